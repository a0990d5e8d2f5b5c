"""System: ping, getLicense, getOpenSubsonicExtensions, tokenInfo, getUser."""

from rubysound.catalog import selectors as catalog

from ..errors import not_authorized
from ..registry import Call, operation

EXTENSIONS = [
    {"name": "formPost", "versions": [1]},
    {"name": "apiKeyAuthentication", "versions": [1]},
]


@operation("ping")
def ping(call: Call) -> None:
    return None


@operation("getLicense")
def get_license(call: Call) -> dict:
    # Free software: always licensed.
    return {"license": {"valid": True}}


def _extensions_of_other_modules() -> list[dict]:
    # The play queue, lyrics and transcoding modules say what they add (transcodeOffset only
    # when ffmpeg is there); imported here, as ops/__init__ imports them after this module.
    from . import lyrics, play_queue, transcoding

    return [*play_queue.EXTENSIONS, *lyrics.EXTENSIONS, *transcoding.extensions()]


@operation("getOpenSubsonicExtensions", needs_auth=False)
def get_open_subsonic_extensions(call: Call) -> dict:
    return {"openSubsonicExtensions": EXTENSIONS + _extensions_of_other_modules()}


@operation("tokenInfo")
def token_info(call: Call) -> dict:
    return {"tokenInfo": {"username": call.user.username}}


def user_roles(user) -> dict:
    return {
        "username": user.username,
        "email": user.email or None,
        "scrobblingEnabled": True,
        "adminRole": user.is_staff,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": False,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [1],
    }


@operation("getUser")
def get_user(call: Call) -> dict:
    # Only one's own account: others' roles are no app's business.
    username = call.params.get("username") or call.user.username
    if username.lower() != call.user.username.lower():
        raise not_authorized()
    return {"user": user_roles(call.user)}


@operation("getScanStatus")
def get_scan_status(call: Call) -> dict:
    # Scans run from the admin or `manage.py scan_library`; apps only see the outcome.
    return {"scanStatus": {"scanning": False, "count": catalog.app_tracks().count()}}
