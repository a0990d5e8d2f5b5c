"""Stars on albums and artists, and ratings (1 to 5) of tracks, albums and artists: what a
player app annotates. A starred song is a Favorite (``playlists.add_favorite``), not here.

Starring twice keeps the first time; unstarring what is not starred is no error (apps repeat
requests). A rating of 0 clears it.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from rubysound.catalog.models import Album, Artist, Track

from ..errors import AnnotatedItemNotFound, InvalidRating
from ..models import STARRED_MODELS, Rating

# What can be rated, by the name of its field on Rating.
RATED_MODELS = {"track": Track, "album": Album, "artist": Artist}


def _existing(model, ids) -> set[int]:
    ids = set(ids)
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise AnnotatedItemNotFound()
    return found


def star(user, kind: str, ids) -> None:
    """Stars the albums or artists (``kind``) with these ids: all or none, an unknown id is
    AnnotatedItemNotFound."""
    star_model = STARRED_MODELS[kind]
    ids = _existing(RATED_MODELS[kind], ids)
    already = set(
        star_model.objects.filter(user=user, **{f"{kind}__in": ids}).values_list(
            f"{kind}_id", flat=True
        )
    )
    now = timezone.now()
    rows = [star_model(user=user, starred_at=now, **{f"{kind}_id": pk}) for pk in ids - already]
    # ignore_conflicts: the same star sent twice at once is one star.
    star_model.objects.bulk_create(rows, ignore_conflicts=True)


def unstar(user, kind: str, ids) -> None:
    STARRED_MODELS[kind].objects.filter(user=user, **{f"{kind}_id__in": list(ids)}).delete()


def set_rating(user, kind: str, target_id: int, value: int) -> None:
    """``user`` rates the ``kind`` ("track", "album" or "artist") ``target_id`` with
    ``value`` (1 to 5); 0 clears the rating."""
    if kind not in RATED_MODELS:
        raise ValueError(f"nothing of kind {kind!r} is rated")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= Rating.MAX:
        raise InvalidRating()
    _existing(RATED_MODELS[kind], [target_id])
    target = {f"{kind}_id": target_id}
    if value == 0:
        Rating.objects.filter(user=user, **target).delete()
        return
    defaults = {"value": value, "rated_at": timezone.now()}
    try:
        with transaction.atomic():
            Rating.objects.update_or_create(user=user, **target, defaults=defaults)
    except IntegrityError:
        # Another request rated it between our look and our insert: this one wins.
        Rating.objects.filter(user=user, **target).update(**defaults)
