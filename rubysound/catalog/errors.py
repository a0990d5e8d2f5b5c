"""What the catalog refuses: uploaded files it will not store, tracks it cannot record, cover
sizes it cannot read, play queues it will not save, scrobbling links it cannot make.

Each refusal is a ``DomainError`` with its code from ``CatalogErrorCode``.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from rubysound.core.errors import DomainError


class CatalogErrorCode(StrEnum):
    INVALID = "invalid"
    UPLOAD_REFUSED = "upload_refused"
    QUEUE_CHANGED = "queue_changed"
    QUEUE_VERSION_REQUIRED = "queue_version_required"
    TRANSCODE_BUSY = "transcode_busy"
    NOT_FOUND = "not_found"
    SCROBBLING_UNAVAILABLE = "scrobbling_unavailable"
    SCROBBLE_TOKEN_INVALID = "scrobble_token_invalid"  # noqa: S105 - an error code
    SCROBBLE_SERVER_INVALID = "scrobble_server_invalid"
    SCROBBLE_SERVICE_UNREACHABLE = "scrobble_service_unreachable"
    LASTFM_NOT_APPROVED = "lastfm_not_approved"
    SCROBBLE_LINK_THROTTLED = "scrobble_link_throttled"


class CatalogError(DomainError):
    code = CatalogErrorCode.INVALID


class UploadRefused(CatalogError):
    """An uploaded audio file that is not stored; the message names the file and why."""

    code = CatalogErrorCode.UPLOAD_REFUSED


class TrackNameMissing(CatalogError, ValueError):
    """A remote track asked for without a title. Also a ValueError: callers passed a value
    they should have checked (a provider's empty title), not something a person typed."""

    message = "a track needs a name"


class InvalidCoverSize(CatalogError):
    """A cover's ``?size=`` that is not a whole number of pixels."""

    message = "Size must be a whole number of pixels, e.g. 300."

    def __init__(self):
        super().__init__(fields={"size": [self.message]})


class InvalidPlayQueue(CatalogError):
    """A play queue that cannot be saved: unknown tracks, too many, a current track or a
    position outside it. ``fields`` names the culprit input."""

    message = "This play queue cannot be saved."


class PlayQueueChanged(CatalogError):
    """The queue was saved by another device since this one read it: read it again, then
    save over the new version."""

    code = CatalogErrorCode.QUEUE_CHANGED
    status = 412
    message = "The queue was changed on another device since you read it; read it again first."


class PlayQueueVersionRequired(CatalogError):
    """A save that does not say which version of the queue it replaces."""

    code = CatalogErrorCode.QUEUE_VERSION_REQUIRED
    status = 428
    message = 'Send If-Match with the ETag of the queue you read (or "*" to replace any).'


class TranscodeBusy(CatalogError):
    """This process already runs as many transcodes as it may; ``retry_after`` seconds is
    when to ask again."""

    code = CatalogErrorCode.TRANSCODE_BUSY
    status = 429
    message = "Too many transcodes are running; try again shortly."

    def __init__(self, *, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


# --- scrobbling links --------------------------------------------------------------------


class ScrobbleLinkNotFound(CatalogError):
    """No link of the user's to that service (or no such service)."""

    code = CatalogErrorCode.NOT_FOUND
    status = 404
    message = "Not found."
    # An Unlink sent twice (two tabs, a double click): the page says so rather than a 404.
    page_message = _("That service was not linked (any more).")


class ScrobblingUnavailable(CatalogError):
    """Last.fm linking without the server's Last.fm key and secret, or with ones Last.fm
    refuses: the operator's to fix, not the user's."""

    code = CatalogErrorCode.SCROBBLING_UNAVAILABLE
    status = 503
    message = "Linking Last.fm is not available on this server."
    page_message = _("Linking Last.fm is not available on this server.")


class ScrobbleTokenInvalid(CatalogError):
    """A ListenBrainz token its server does not accept."""

    code = CatalogErrorCode.SCROBBLE_TOKEN_INVALID
    message = (
        "The server does not accept this token: copy it again from your ListenBrainz settings."
    )
    page_message = _(
        "The server does not accept this token: copy it again from your ListenBrainz settings."
    )

    def __init__(self):
        super().__init__(fields={"token": [self.message]})


class ScrobbleServerInvalid(CatalogError):
    """A server address that is not an http(s) URL, or where no ListenBrainz API answers."""

    code = CatalogErrorCode.SCROBBLE_SERVER_INVALID
    message = "No ListenBrainz API answers at this address."
    page_message = _("No ListenBrainz API answers at this server address.")

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.fields = {"base_url": [self.message]}


class ScrobbleServiceUnreachable(CatalogError):
    """The service did not answer (down, too slow, or at an address we do not call)."""

    code = CatalogErrorCode.SCROBBLE_SERVICE_UNREACHABLE
    status = 502
    message = "The scrobbling service could not be reached; try again later."
    page_message = _("The scrobbling service could not be reached; try again later.")


class LastFmNotApproved(CatalogError):
    """Last.fm gave no session: the user did not approve RubySound, or took too long."""

    code = CatalogErrorCode.LASTFM_NOT_APPROVED
    message = "Last.fm did not confirm the link: approve RubySound there, then try again."
    page_message = _("Last.fm did not confirm the link: approve RubySound there, then try again.")


class ScrobbleLinkThrottled(CatalogError):
    """Too many attempts to link a service lately; ``retry_after`` seconds until the next."""

    code = CatalogErrorCode.SCROBBLE_LINK_THROTTLED
    status = 429
    message = "Too many attempts to link a scrobbling service; try again later."
    page_message = _("Too many attempts to link a scrobbling service; try again later.")

    def __init__(self, *, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


class ListenNotFound(CatalogError):
    """A listen that is not there, or not the asking user's: the same answer for both, so
    nobody learns which ids other people's listens have."""

    code = CatalogErrorCode.NOT_FOUND
    status = 404
    message = "Listen not found."
