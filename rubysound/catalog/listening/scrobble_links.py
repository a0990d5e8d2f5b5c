"""A user's links to Last.fm and ListenBrainz, so that their listens are passed on (the
outbox worker sends them): linking, unlinking, and each link's state for the settings.

Last.fm links through its web authentication: ``start_lastfm_link`` asks Last.fm for a
token and the address where the user approves it; Last.fm then sends the user back with
that token, and ``finish_lastfm_link`` trades it for a session key. The caller keeps the
token between the two (in the user's session), and accepts back only the one it was
given, so nobody can make another user's account scrobble to theirs. ListenBrainz links
with a token the user pastes, checked with the server's ``validate-token`` first.

The session key or token is stored encrypted (``accounts.services.encrypt_service_credential``) and
never answered, shown or logged.
"""

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from rubysound.accounts import services as account_services
from rubysound.catalog.errors import (
    LastFmNotApproved,
    ScrobbleLinkNotFound,
    ScrobbleLinkThrottled,
    ScrobbleServerInvalid,
    ScrobbleServiceUnreachable,
    ScrobbleTokenInvalid,
    ScrobblingUnavailable,
)
from rubysound.catalog.models import ScrobbleLink, ScrobbleOutboxEntry
from rubysound.core.throttling import AtomicRateThrottle
from rubysound.providers import gateway

logger = logging.getLogger(__name__)

Service = ScrobbleLink.Service
T = TypeVar("T")


# --- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrobbleLinkState:
    """One service as the user's settings show it: whether it can be linked here, the
    link if there is one, and how many of its listens wait to be sent or were refused."""

    service: str
    label: str
    available: bool
    link: ScrobbleLink | None = None
    pending: int = 0
    dead: int = 0

    @property
    def linked(self) -> bool:
        return self.link is not None

    @property
    def account_name(self) -> str:
        return self.link.account_name if self.link else ""

    @property
    def server_url(self) -> str:
        """Where the listens go: the link's own server, else the service's."""
        if self.service != Service.LISTENBRAINZ:
            return ""
        return (self.link.base_url if self.link else "") or settings.LISTENBRAINZ_BASE_URL

    @property
    def linked_at(self) -> datetime | None:
        return self.link.created_at if self.link else None

    @property
    def last_sent_at(self) -> datetime | None:
        return self.link.last_sent_at if self.link else None


def lastfm_linking_available() -> bool:
    """Whether this server can link Last.fm accounts (its Last.fm key and secret are set)."""
    return gateway.LastFmClient().can_authenticate


def scrobble_links_of(user) -> list[ScrobbleLinkState]:
    """Every service, in a fixed order, with the user's link to it if any (one query)."""
    links = {
        link.service: link
        for link in ScrobbleLink.objects.filter(user=user)
        .defer("credential_encrypted")
        .annotate(
            pending_count=Count(
                "outbox", filter=Q(outbox__status=ScrobbleOutboxEntry.Status.PENDING)
            ),
            dead_count=Count("outbox", filter=Q(outbox__status=ScrobbleOutboxEntry.Status.DEAD)),
        )
    }
    available = {Service.LASTFM: lastfm_linking_available(), Service.LISTENBRAINZ: True}
    states = []
    for service in Service:
        link = links.get(service.value)
        states.append(
            ScrobbleLinkState(
                service=service.value,
                label=service.label,
                available=available[service],
                link=link,
                pending=link.pending_count if link else 0,
                dead=link.dead_count if link else 0,
            )
        )
    return states


# --- writes ------------------------------------------------------------------------------


class _LinkAttempts(AtomicRateThrottle):
    """A user's attempts to link a service (THROTTLE_SCROBBLE_LINK_RATE): each one makes
    this server call another, which nobody may do at will."""

    scope = "scrobble_link"

    def __init__(self, user_id: int):
        self.user_id = user_id
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.user_id}


def _count_link_attempt(user) -> None:
    if not settings.THROTTLE_ENABLED:
        return
    attempts = _LinkAttempts(user.pk)
    if not attempts.allow_request(None, None):
        raise ScrobbleLinkThrottled(retry_after=max(1, math.ceil(attempts.wait() or 1)))


def _ask(call: Callable[..., Awaitable[T]], *args) -> T:
    """Runs one call to the service from sync code, within the linking timeout."""

    async def within_deadline() -> T:
        with gateway.deadline(settings.SCROBBLING_LINK_TIMEOUT_SECONDS):
            return await call(*args)

    return async_to_sync(within_deadline)()


def _same_account(link: ScrobbleLink, account_name: str, base_url: str) -> bool:
    # Both services match user names without regard to case.
    return link.base_url == base_url and link.account_name.casefold() == account_name.casefold()


def _save_link(
    user, service: str, credential: str, account_name: str, base_url: str = ""
) -> ScrobbleLink:
    """Links ``service``, replacing the user's earlier link to it.

    Linking the same account again (a new token or session) keeps its waiting listens and
    its history. Another account starts afresh: the earlier account's waiting listens and
    refusals were meant for it, not for the one linked now.
    """
    account_name = account_name[: ScrobbleLink._meta.get_field("account_name").max_length]
    with transaction.atomic():
        earlier = (
            ScrobbleLink.objects.select_for_update().filter(user=user, service=service).first()
        )
        replaced_account = earlier is not None and not _same_account(
            earlier, account_name, base_url
        )
        if replaced_account:
            earlier.delete()
        # update_or_create: two first links at once (a double click) make one row, not a 500.
        link, created = ScrobbleLink.objects.update_or_create(
            user=user,
            service=service,
            defaults={
                "account_name": account_name,
                "base_url": base_url,
                "credential_encrypted": account_services.encrypt_service_credential(credential),
            },
        )
    logger.info(
        "scrobble link saved",
        extra={
            "user_id": user.pk,
            "service": service,
            "replaced": "account" if replaced_account else ("none" if created else "token"),
        },
    )
    return link


def link_lastfm(user, session_key: str, account_name: str) -> ScrobbleLink:
    """Links the user's Last.fm account ``account_name`` with its session key."""
    return _save_link(user, Service.LASTFM, session_key, account_name)


def _lastfm_client():
    client = gateway.LastFmClient()
    if not client.can_authenticate:
        raise ScrobblingUnavailable()
    return client


def _lastfm_refusal(error: Exception) -> Exception:
    """What a failed Last.fm auth call means for the user."""
    if (
        isinstance(error, gateway.LastFmApiError)
        and error.code in gateway.LASTFM_TOKEN_REFUSED_CODES
    ):
        return LastFmNotApproved()
    if isinstance(error, gateway.ProviderError) and error.kind in (
        gateway.ErrorKind.INVALID_KEY,
        gateway.ErrorKind.BAD_REQUEST,
        gateway.ErrorKind.DISABLED,
    ):
        # Our key or secret refused (10, 26, 13): the operator's to fix.
        logger.warning("lastfm refused our credentials", extra={"reason": str(error)})
        return ScrobblingUnavailable()
    return ScrobbleServiceUnreachable()


def start_lastfm_link(user, callback_url: str) -> tuple[str, str]:
    """A new Last.fm token, and the Last.fm page where ``user`` approves it; Last.fm then
    sends them to ``callback_url`` with ``?token=``. Keep the token to check that answer."""
    client = _lastfm_client()
    _count_link_attempt(user)
    try:
        token = _ask(client.auth_token)
    except gateway.ProviderError as error:
        raise _lastfm_refusal(error) from None
    return token, client.authorization_url(token, callback_url)


def finish_lastfm_link(user, token: str) -> ScrobbleLink:
    """Links the Last.fm account that approved ``token`` (from ``start_lastfm_link``)."""
    client = _lastfm_client()
    try:
        session = _ask(client.session, token)
    except gateway.ProviderError as error:
        raise _lastfm_refusal(error) from None
    return link_lastfm(user, session.key, session.account_name)


def _server_url(raw: str) -> str:
    try:
        return gateway.normalise_listenbrainz_url(raw)
    except gateway.ListenBrainzUrlRefused as refusal:
        raise ScrobbleServerInvalid(f"Not a server address: {refusal}.") from None


def link_listenbrainz(user, token: str, base_url: str = "") -> ScrobbleLink:
    """Links the ListenBrainz account of ``token`` once its server accepts it; ``base_url``
    names the user's own server (empty: ListenBrainz's, LISTENBRAINZ_BASE_URL)."""
    token = (token or "").strip()
    if not token:
        raise ScrobbleTokenInvalid()
    default_server = _server_url(settings.LISTENBRAINZ_BASE_URL)
    server = _server_url(base_url) if (base_url or "").strip() else default_server
    _count_link_attempt(user)
    try:
        client = gateway.ListenBrainzClient(server, trusted=server == default_server)
        check = _ask(client.validate_token, token)
    except gateway.ProviderError as error:
        if error.kind in (gateway.ErrorKind.NOT_FOUND, gateway.ErrorKind.MALFORMED):
            raise ScrobbleServerInvalid() from None
        raise ScrobbleServiceUnreachable() from None
    if not check.valid:
        raise ScrobbleTokenInvalid()
    # The service's own server is not written down, so a change of LISTENBRAINZ_BASE_URL
    # moves every link that did not name one.
    stored_server = "" if server == default_server else server
    return _save_link(user, Service.LISTENBRAINZ, token, check.user_name, stored_server)


def unlink(user, service: str) -> None:
    """Removes the user's link to ``service``; its listens still waiting, and those the
    service refused, go with it (nothing more is sent)."""
    deleted, _ = ScrobbleLink.objects.filter(user=user, service=service).delete()
    if not deleted:
        raise ScrobbleLinkNotFound()
    logger.info("scrobble link removed", extra={"user_id": user.pk, "service": service})
