"""The ``/1/`` routes. Each view maps ListenBrainz's request to one catalog service or
selector and the answer back; every refusal is ListenBrainz's ``{"code", "error"}``.

A user who does not share their listening (``User.shares_listening``: a public profile with
"Show my listening history" on), or whose account is switched off, answers as a missing user
does, except to the user's own token.
"""

import json
import logging
from datetime import UTC, datetime
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rubysound.accounts import selectors as account_selectors
from rubysound.catalog import selectors as catalog_selectors
from rubysound.catalog import services as catalog_services
from rubysound.catalog.models import Listen
from rubysound.core.http.caching import private

from . import portability, presenters
from .auth import optional_user, require_user, token_of, user_of_token
from .errors import ListenBrainzError, bad_request, error_response, user_not_found
from .submissions import IMPORT, PLAYING_NOW, parse_submission, read_body

logger = logging.getLogger("rubysound.compat.listenbrainz")

DEFAULT_COUNT = 25
# Timestamps a query can name: seconds since the epoch that a datetime can hold.
_MAX_TS = 253402300799  # 9999-12-31


def endpoint(*methods: str):
    """A ListenBrainz route: only ``methods`` (else 405), refusals in its shape, never
    stored by a cache (the answers are personal or change with every listen)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                return error_response(405, "The method is not allowed for the requested URL.")
            try:
                return view(request, *args, **kwargs)
            except ListenBrainzError as error:
                return error.response()

        return csrf_exempt(private(wrapped))

    return decorate


@endpoint("POST")
def submit_listens(request):
    user = require_user(request)
    submission = parse_submission(read_body(request))
    if submission.listen_type == PLAYING_NOW:
        catalog_services.set_now_playing_scrobble(
            user,
            submission.scrobbles[0],
            source=Listen.Source.LISTENBRAINZ,
            client=submission.client,
        )
    else:
        try:
            result = catalog_services.record_scrobbles(
                user, submission.scrobbles, source=Listen.Source.LISTENBRAINZ
            )
        except ValidationError as exc:  # the clock moved between parsing and writing
            raise bad_request("; ".join(exc.messages)) from None
        logger.info(
            "listens submitted",
            extra={
                "user_id": user.pk,
                "listen_type": submission.listen_type,
                "listens": len(submission.scrobbles),
                "listens_created": result.created,
                "import": submission.listen_type == IMPORT,
            },
        )
    return JsonResponse({"status": "ok"})


@endpoint("GET")
def validate_token(request):
    token = token_of(request) or request.GET.get("token")
    if not token:
        raise ListenBrainzError(400, "You need to provide an Authorization token.")
    user = user_of_token(token)
    if user is None:
        return JsonResponse({"code": 200, "message": "Token invalid.", "valid": False})
    return JsonResponse(
        {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.username}
    )


def _visible_user(request, name: str):
    user = account_selectors.active_user_by_username(name)
    if user is None:
        raise user_not_found(name)
    if not user.shares_listening:
        viewer = optional_user(request)
        if viewer is None or viewer.pk != user.pk:
            raise user_not_found(name)
    return user


def _int_param(request, name: str, *, default: int | None = None) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' should be a valid integer.") from None
    return value


def _ts_param(request, name: str) -> datetime | None:
    value = _int_param(request, name)
    if value is None:
        return None
    if not 0 <= value <= _MAX_TS:
        raise bad_request(f"'{name}' should be a timestamp in seconds.")
    return datetime.fromtimestamp(value, tz=UTC)


@endpoint("GET")
def user_listens(request, user_name: str):
    user = _visible_user(request, user_name)
    count = _int_param(request, "count", default=DEFAULT_COUNT)
    if count < 0:
        raise bad_request("'count' should be a non-negative integer.")
    count = min(count, catalog_selectors.MAX_LISTENS_PER_READ)
    min_ts, max_ts = _ts_param(request, "min_ts"), _ts_param(request, "max_ts")
    if min_ts is not None and max_ts is not None and min_ts >= max_ts:
        raise bad_request("min_ts should be less than max_ts.")
    rows = (
        catalog_selectors.listens_between(user, min_ts=min_ts, max_ts=max_ts, count=count)
        if count
        else []
    )
    latest = catalog_selectors.latest_listen_at(user)
    return JsonResponse(presenters.listens_payload(rows, user.username, latest))


@endpoint("GET")
def user_playing_now(request, user_name: str):
    user = _visible_user(request, user_name)
    row = catalog_selectors.now_playing_of(user)
    return JsonResponse(presenters.playing_now_payload(row, user.username))


@endpoint("GET")
def user_stats(request, user_name: str, entity: str):
    if entity not in catalog_selectors.TOP_ENTITIES:
        raise ListenBrainzError(404, "The requested URL was not found on the server.")
    user = _visible_user(request, user_name)
    range_name = request.GET.get("range", "all_time")
    if range_name not in catalog_selectors.LISTENING_RANGES:
        raise bad_request(
            f"Invalid range: {range_name}. Valid ranges are "
            f"{', '.join(catalog_selectors.LISTENING_RANGES)}."
        )
    count = _int_param(request, "count", default=DEFAULT_COUNT)
    offset = _int_param(request, "offset", default=0)
    if count < 1 or offset < 0:
        raise bad_request("'count' should be positive and 'offset' not negative.")
    count = min(count, catalog_selectors.MAX_TOP_ENTRIES)
    top = catalog_selectors.user_top(
        user, entity=entity, range_name=range_name, count=count, offset=offset
    )
    if top is None:  # as ListenBrainz answers while it has no statistics
        return HttpResponse(status=204)
    return JsonResponse(
        presenters.top_payload(
            top,
            entity=entity,
            user_name=user.username,
            range_name=range_name,
            offset=offset,
            now=timezone.now(),
        )
    )


# --- The signed-in user's own history as a file (the /history/ page's buttons) ------------


@require_GET
@login_required
@private
def export_listens(request):
    """``/history/export/``: every listen of the user, as ListenBrainz's JSON export."""
    user = request.user
    response = StreamingHttpResponse(
        portability.export_chunks(user), content_type="application/json; charset=utf-8"
    )
    filename = portability.export_filename(user)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# What the page's script asks for to follow an import as it goes: JSON lines of progress.
PROGRESS_TYPE = "application/x-ndjson"


def _imported_message(result) -> str:
    return ngettext(
        "Imported %(created)s new listen (%(stored)s in the file).",
        "Imported %(created)s new listens (%(stored)s in the file).",
        result.created,
    ) % {"created": result.created, "stored": result.stored}


def _log_import(user, result) -> None:
    logger.info(
        "listens imported from a file",
        extra={"user_id": user.pk, "listens": result.stored, "listens_created": result.created},
    )


def _read_upload(request):
    """The scrobbles of the uploaded file, read and checked whole, and the time they were
    checked against; or the message refusing the file."""
    upload = request.FILES.get("file")
    limit = settings.LISTEN_IMPORT_MAX_BYTES
    if upload is None:
        return None, None, _("Choose a ListenBrainz export file to import.")
    if upload.size > limit:
        return (
            None,
            None,
            _("That file is too large to import (at most %(size)s MB).")
            % {"size": limit // (1024 * 1024)},
        )
    now = timezone.now()
    try:
        scrobbles = portability.read_export(upload.read(limit + 1), now=now)
    except portability.ExportFileError as error:
        return None, None, _("Nothing was imported: %(reason)s") % {"reason": error.message}
    return scrobbles, now, None


def _json_line(payload: dict) -> bytes:
    return json.dumps(payload).encode() + b"\n"


async def _import_progress(user, scrobbles, now):
    """The import, a chunk at a time on the request's thread for the database, as JSON
    lines: ``{"done", "total"}`` after each chunk, then the result and the page's message.
    Each chunk is its own transaction: a connection lost midway leaves the chunks done
    stored, and importing the file again adds the rest."""
    steps = catalog_services.import_scrobbles_in_chunks(
        user, scrobbles, source=Listen.Source.LISTENBRAINZ, now=now
    )
    next_step = sync_to_async(next, thread_sensitive=True)
    step = None
    try:
        while (following := await next_step(steps, None)) is not None:
            step = following
            yield _json_line({"done": step.done, "total": step.total})
    except ValidationError as error:  # refused before any chunk is written
        reason = "; ".join(error.messages)
        yield _json_line({"error": _("Nothing was imported: %(reason)s") % {"reason": reason}})
        return
    _log_import(user, step.result)
    yield _json_line(
        {
            "done": step.done,
            "total": step.total,
            "created": step.result.created,
            "stored": step.result.stored,
            "message": _imported_message(step.result),
        }
    )


def _progress_response(user, scrobbles, now):
    response = StreamingHttpResponse(
        _import_progress(user, scrobbles, now), content_type=PROGRESS_TYPE
    )
    # Each line as it comes: no proxy may hold the answer back to send it whole.
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
@login_required
def import_listens(request):
    """``/history/import/``: an uploaded ListenBrainz export added to the user's listens.

    The file is read and checked whole first: a bad file is refused, nothing written. The
    page's script asks for progress (``Accept: application/x-ndjson``) and reads JSON
    lines as chunks are stored (a refusal is one ``{"error"}`` line with status 400);
    without it, the history is stored in one transaction and the answer goes back to the
    page with what happened.
    """
    wants_progress = PROGRESS_TYPE in request.headers.get("Accept", "")
    scrobbles, now, refusal = _read_upload(request)
    if wants_progress:
        if refusal:
            return HttpResponse(
                _json_line({"error": refusal}), status=400, content_type=PROGRESS_TYPE
            )
        return _progress_response(request.user, scrobbles, now)
    if refusal:
        messages.error(request, refusal)
        return redirect("history")
    try:
        result = catalog_services.import_scrobbles(
            request.user, scrobbles, source=Listen.Source.LISTENBRAINZ, now=now
        )
    except ValidationError as error:
        messages.error(
            request,
            _("Nothing was imported: %(reason)s") % {"reason": "; ".join(error.messages)},
        )
    else:
        _log_import(request.user, result)
        messages.success(request, _imported_message(result))
    return redirect("history")
