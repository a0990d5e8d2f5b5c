"""Which services are on, with which key and address (from settings.PROVIDERS)."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ServiceConfig:
    name: str
    enabled: bool
    api_key: str = ""
    base_url: str = ""
    # Last.fm's shared secret, which signs the calls made on a user's behalf.
    api_secret: str = ""


def service_config(name: str) -> ServiceConfig:
    options = settings.PROVIDERS.get(name)
    if options is None:
        raise KeyError(f"unknown provider {name!r}")
    return ServiceConfig(
        name=name,
        enabled=bool(options.get("enabled")),
        api_key=options.get("api_key", ""),
        base_url=options.get("base_url", ""),
        api_secret=options.get("api_secret", ""),
    )


def enabled_services() -> list[str]:
    return [name for name in settings.PROVIDERS if service_config(name).enabled]
