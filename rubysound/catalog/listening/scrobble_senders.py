"""Talking to the scrobbling services: Last.fm's ``track.scrobble`` and
``track.updateNowPlaying``, ListenBrainz's ``submit-listens`` (``import`` and
``playing_now``).

Each batch's answer becomes a ``Delivery``: what arrived, what the service refused for good
(dead letters, with its reason), what may be tried again (network errors, timeouts, 5xx,
429, Last.fm errors 11, 16 and 29) and whether the service refused the credential itself
(Last.fm error 9, a ListenBrainz 401). These are writes on behalf of one user, so they do
not go through the providers' read path (its cache, budget and breakers are for pages
waiting on answers); the worker's backoff does that job here. Credentials never reach the
logs: only the reasons the services give.

Now playing is sent from the web process, after the report's transaction commits, on a
small pool of threads with a short timeout: best effort, and never in the request's way.
"""

import hashlib
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.conf import settings

from rubysound import __version__
from rubysound.accounts.services import decrypt_service_credential
from rubysound.catalog.models import ScrobbleLink, ScrobbleOutboxEntry, Track
from rubysound.catalog.types.listenbrainz import CLIENT_NAME, track_metadata

from .scrobble_outbox import Delivery, Service, services_excluded_for

logger = logging.getLogger("rubysound.scrobbles")

# Last.fm's error codes that say "try again later" (service offline, temporary error,
# rate limit); 9 is the invalid session key.
LASTFM_RETRYABLE = {11, 16, 29}
LASTFM_INVALID_SESSION = 9
# Last.fm's ignoredMessage code 5: the user's daily scrobble limit, over tomorrow.
LASTFM_IGNORED_DAILY_LIMIT = "5"
_LISTENBRAINZ_SUBMIT = "/1/submit-listens"

_clients = threading.local()


def _client() -> httpx.Client:
    """One pooled client per thread (the worker has one; the now-playing pool a few)."""
    client = getattr(_clients, "client", None)
    if client is None:
        client = _clients.client = httpx.Client(
            headers={"User-Agent": f"{CLIENT_NAME}/{__version__}"},
            follow_redirects=False,
        )
    return client


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def listenbrainz_root(link: ScrobbleLink) -> str:
    """The server's root, whether the user pasted it with ``/1`` or without."""
    root = (link.base_url or settings.LISTENBRAINZ_BASE_URL).rstrip("/")
    return root.removesuffix("/1")


def lastfm_signature(params: dict[str, str]) -> str:
    """Last.fm's api_sig: md5 of every parameter but ``format`` and ``callback`` as name
    and value, sorted by name, then the application's secret."""
    text = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in {"format", "callback"})
    return hashlib.md5((text + settings.LASTFM_API_SECRET).encode()).hexdigest()  # noqa: S324


def _retry_all(entries, reason: str, retry_after: float | None = None) -> Delivery:
    return Delivery(retry=[e.pk for e in entries], retry_reason=reason, retry_after=retry_after)


def _dead_all(entries, reason: str) -> Delivery:
    return Delivery(dead={e.pk: reason for e in entries})


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- Last.fm --------------------------------------------------------------------------------


def _lastfm_form(params: dict[str, str], session_key: str) -> dict[str, str]:
    """A write's form: the parameters, our API key, the user's session key, signed."""
    params = {**params, "api_key": settings.LASTFM_API_KEY, "sk": session_key}
    params["api_sig"] = lastfm_signature(params)
    params["format"] = "json"
    return params


def _lastfm_post(params: dict[str, str], session_key: str, timeout: float) -> httpx.Response:
    form = _lastfm_form(params, session_key)
    return _client().post(settings.LASTFM_SCROBBLE_URL, data=form, timeout=_timeout(timeout))


def _lastfm_track_params(track: Track, index: str = "") -> dict[str, str]:
    params = {f"artist{index}": track.artist.name, f"track{index}": track.title}
    if track.album_id:
        params[f"album{index}"] = track.album.title
    if track.duration:
        params[f"duration{index}"] = str(int(track.duration))
    if track.mbid:
        params[f"mbid{index}"] = str(track.mbid)
    return params


def _lastfm_error(body) -> tuple[int | None, str]:
    if isinstance(body, dict) and "error" in body:
        code = _number(body.get("error"))
        return (int(code) if code is not None else None), str(body.get("message") or "")
    return None, ""


def send_lastfm(session_key: str, entries: Sequence[ScrobbleOutboxEntry]) -> Delivery:
    params = {"method": "track.scrobble"}
    for index, entry in enumerate(entries):
        listen = entry.listen
        params.update(_lastfm_track_params(listen.track, f"[{index}]"))
        params[f"timestamp[{index}]"] = str(int(listen.listened_at.timestamp()))
    try:
        response = _lastfm_post(params, session_key, settings.SCROBBLE_SEND_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return _retry_all(entries, f"network: {type(error).__name__}")
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _lastfm_error(body)
    if code == LASTFM_INVALID_SESSION:
        return Delivery(refused_credential=f"Last.fm error 9: {message}")
    if code in LASTFM_RETRYABLE or response.status_code >= 500 or response.status_code == 429:
        reason = f"Last.fm error {code}: {message}" if code else f"HTTP {response.status_code}"
        return _retry_all(entries, reason)
    if code is not None:
        return _dead_all(entries, f"Last.fm error {code}: {message}")
    scrobbles = (
        (body or {}).get("scrobbles", {}).get("scrobble") if isinstance(body, dict) else None
    )
    if response.status_code != 200 or scrobbles is None:
        return _dead_all(entries, f"Last.fm answered HTTP {response.status_code} without scrobbles")
    if isinstance(scrobbles, dict):  # Last.fm's JSON: one scrobble is an object, not a list
        scrobbles = [scrobbles]
    delivery = Delivery()
    for entry, answer in zip(entries, scrobbles, strict=False):
        ignored = (answer.get("ignoredMessage") or {}) if isinstance(answer, dict) else {}
        ignored_code = str(ignored.get("code", "0"))
        if ignored_code == "0":
            delivery.delivered.append(entry.pk)
        elif ignored_code == LASTFM_IGNORED_DAILY_LIMIT:
            delivery.retry.append(entry.pk)
            delivery.retry_reason = "Last.fm: daily scrobble limit reached"
        else:
            reason = ignored.get("#text") or "no reason given"
            delivery.dead[entry.pk] = f"Last.fm ignored it (code {ignored_code}): {reason}"
    # An answer shorter than the batch says nothing of the rest: they are tried again.
    for entry in entries[len(scrobbles) :]:
        delivery.retry.append(entry.pk)
        delivery.retry_reason = delivery.retry_reason or "Last.fm answered fewer scrobbles"
    return delivery


# --- ListenBrainz ---------------------------------------------------------------------------


def _listenbrainz_post(link, token: str, body: dict, timeout: float) -> httpx.Response:
    return _client().post(
        listenbrainz_root(link) + _LISTENBRAINZ_SUBMIT,
        json=body,
        headers={"Authorization": f"Token {token}"},
        timeout=_timeout(timeout),
    )


def _listenbrainz_reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return f"ListenBrainz HTTP {response.status_code}" + (f": {error}" if error else "")


def send_listenbrainz(link, token: str, entries: Sequence[ScrobbleOutboxEntry]) -> Delivery:
    body = {
        "listen_type": "import",
        "payload": [
            {
                "listened_at": int(entry.listen.listened_at.timestamp()),
                "track_metadata": track_metadata(entry.listen.track),
            }
            for entry in entries
        ],
    }
    try:
        response = _listenbrainz_post(link, token, body, settings.SCROBBLE_SEND_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        return _retry_all(entries, f"network: {type(error).__name__}")
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(delivered=[e.pk for e in entries])
    if status == 401:
        return Delivery(refused_credential=_listenbrainz_reason(response))
    if status == 429:
        wait = _number(response.headers.get("X-RateLimit-Reset-In"))
        return _retry_all(entries, _listenbrainz_reason(response), retry_after=wait)
    if status >= 500:
        return _retry_all(entries, _listenbrainz_reason(response))
    if status == 400 and len(entries) > 1:
        # One listen the server refuses would sink the whole request: halves are sent
        # apart until the refused listens stand alone.
        middle = len(entries) // 2
        first = send_listenbrainz(link, token, entries[:middle])
        if first.refused_credential or first.retry:
            return _merge(first, _retry_all(entries[middle:], first.retry_reason))
        return _merge(first, send_listenbrainz(link, token, entries[middle:]))
    return _dead_all(entries, _listenbrainz_reason(response))


def _merge(first: Delivery, second: Delivery) -> Delivery:
    return Delivery(
        delivered=first.delivered + second.delivered,
        dead={**first.dead, **second.dead},
        retry=first.retry + second.retry,
        retry_reason=first.retry_reason or second.retry_reason,
        retry_after=max(filter(None, [first.retry_after, second.retry_after]), default=None),
        refused_credential=first.refused_credential or second.refused_credential,
    )


# --- Dispatch -------------------------------------------------------------------------------


def send(link: ScrobbleLink, entries: Sequence[ScrobbleOutboxEntry]) -> Delivery:
    """Sends ``entries`` (listens with their tracks loaded) to ``link``'s service."""
    credential = decrypt_service_credential(link.credential_encrypted)
    if credential is None:
        # Encrypted under another SECRET_KEY: no request could succeed with it.
        return Delivery(refused_credential="credential unreadable (SECRET_KEY changed)")
    if link.service == Service.LASTFM:
        return send_lastfm(credential, entries)
    return send_listenbrainz(link, credential, entries)


# --- Now playing ----------------------------------------------------------------------------

_now_playing_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="now-playing")


def _post_now_playing(link_id: int, service: str, url: str, request: dict) -> None:
    timeout = _timeout(settings.SCROBBLE_NOW_PLAYING_TIMEOUT_SECONDS)
    try:
        outcome = str(_client().post(url, timeout=timeout, **request).status_code)
    except httpx.HTTPError as error:
        outcome = type(error).__name__
    except Exception:  # a background thread has nobody to tell but the log
        logger.exception("now playing not sent", extra={"link_id": link_id, "service": service})
        return
    logger.info(
        "now playing sent", extra={"link_id": link_id, "service": service, "outcome": outcome}
    )


def _now_playing_request(link: ScrobbleLink, credential: str, track: Track) -> tuple[str, dict]:
    if link.service == Service.LASTFM:
        params = {"method": "track.updateNowPlaying", **_lastfm_track_params(track)}
        return settings.LASTFM_SCROBBLE_URL, {"data": _lastfm_form(params, credential)}
    body = {
        "listen_type": "playing_now",
        "payload": [{"track_metadata": track_metadata(track)}],
    }
    headers = {"Authorization": f"Token {credential}"}
    return listenbrainz_root(link) + _LISTENBRAINZ_SUBMIT, {"json": body, "headers": headers}


def send_now_playing(user_id: int, track: Track, *, source: str) -> int:
    """Tells the user's linked services (not the one the report came from) what is playing,
    on the background pool; returns how many were asked. Everything is read here, in the
    caller's thread, so the pool never touches the database."""
    excluded = services_excluded_for(source)
    if not (settings.LASTFM_API_KEY and settings.LASTFM_API_SECRET):
        excluded = excluded | {Service.LASTFM}
    if excluded >= set(Service.values):
        return 0
    links = list(ScrobbleLink.objects.filter(user_id=user_id).exclude(service__in=excluded))
    if not links:
        return 0
    track = Track.objects.select_related("artist", "album").get(pk=track.pk)
    sent = 0
    for link in links:
        credential = decrypt_service_credential(link.credential_encrypted)
        if credential is None:
            continue
        url, request = _now_playing_request(link, credential, track)
        _now_playing_pool.submit(_post_now_playing, link.pk, link.service, url, request)
        sent += 1
    return sent
