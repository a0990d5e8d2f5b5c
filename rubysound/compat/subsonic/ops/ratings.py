"""setRating: the caller's rating, 1 to 5, of a song, album or artist; 0 clears it."""

from rubysound.social.errors import AnnotatedItemNotFound
from rubysound.social.services import annotations as annotation_services

from ..errors import invalid, not_found
from ..ids import Kind, parse
from ..registry import Call, operation

RATED_KINDS = {Kind.SONG: "track", Kind.ALBUM: "album", Kind.ARTIST: "artist"}


@operation("setRating")
def set_rating(call: Call) -> None:
    kind, pk = parse(call.params.required("id"))
    if kind not in RATED_KINDS:  # a playlist, say: nothing rated by that id
        raise not_found()
    rating = call.params.int("rating", required=True)
    if not 0 <= rating <= 5:
        raise invalid("rating")
    try:
        annotation_services.set_rating(call.user, RATED_KINDS[kind], pk, rating)
    except AnnotatedItemNotFound:
        raise not_found() from None
