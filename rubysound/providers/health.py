"""Providers in /health/ready: informational checks that never fail readiness.

``provider_<service>`` says whether the service is configured, its circuit state and how
long ago it last failed; ``providers`` says which services are on, or that the platform is
running on its own library alone. Nothing here touches the network: the checks read the
configuration and the circuit breakers of this process.
"""

import time

from django.conf import settings

from rubysound.core.health import register_check

from .breaker import CircuitState, breaker_snapshot
from .config import enabled_services, service_config

LIBRARY_ONLY = "none configured: running on the library alone"


def _age(since: float) -> str:
    seconds = max(0, int(time.time() - since))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def provider_detail(service: str) -> str:
    """One line: ``disabled``, or ``configured; circuit closed; last error 3 min ago
    (timeout)``. Never the key."""
    try:
        config = service_config(service)
    except KeyError:
        return "not configured"
    if not config.enabled:
        return "disabled"
    snapshot = breaker_snapshot(service)
    parts = ["configured", f"circuit {snapshot.state}"]
    if snapshot.state is not CircuitState.CLOSED and snapshot.opened_at is not None:
        parts[-1] += f" for {_age(snapshot.opened_at)}"
    if snapshot.last_error_at is None:
        parts.append("no errors")
    else:
        parts.append(f"last error {_age(snapshot.last_error_at)} ago ({snapshot.last_error_kind})")
    return "; ".join(parts)


def providers_summary() -> str:
    enabled = enabled_services()
    if not enabled:
        return LIBRARY_ONLY
    return f"{len(enabled)} of {len(settings.PROVIDERS)} configured: {', '.join(enabled)}"


def _check_for(service: str):
    async def check() -> str:
        return provider_detail(service)

    check.__name__ = f"check_provider_{service}"
    return check


async def check_providers() -> str:
    return providers_summary()


def register_provider_checks() -> None:
    """One informational check per known service, plus the summary."""
    register_check("providers", check_providers, critical=False)
    for service in settings.PROVIDERS:
        register_check(f"provider_{service}", _check_for(service), critical=False)
