import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rubysound.accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_public_favorites = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


def image_upload(
    name: str = "photo.png",
    size: tuple[int, int] = (64, 48),
    image_format: str = "PNG",
    color: str = "crimson",
) -> SimpleUploadedFile:
    """A real, decodable image file as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    content_type = f"image/{image_format.lower()}"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


# --- Catalog --------------------------------------------------------------------------
from django.utils import timezone  # noqa: E402

from rubysound.catalog.models import Album, Artist, Genre, Listen, Track  # noqa: E402


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    name = factory.Iterator(["Rock", "Pop", "Jazz", "Electronic", "Hip-Hop", "Metal"])
    slug = factory.LazyAttribute(lambda genre: genre.name.lower())


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album

    title = factory.Sequence(lambda n: f"Album {n}")
    artist = factory.SubFactory(ArtistFactory)
    year = 2020


class TrackFactory(factory.django.DjangoModelFactory):
    """A library track row; the file itself is the test's business (see the demo generator)."""

    class Meta:
        model = Track
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Song {n}")
    album = factory.SubFactory(AlbumFactory)
    artist = factory.LazyAttribute(lambda track: track.album.artist)
    track_number = factory.Sequence(lambda n: n % 12 + 1)
    disc_number = 1
    year = 2020
    duration = 180.0
    source = Track.Source.LIBRARY
    library_root = "/library"
    path = factory.Sequence(lambda n: f"music/song-{n}.flac")
    format = "flac"
    codec = "flac"

    @factory.post_generation
    def genres(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.genres.set(extracted)


class ListenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listen

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    listened_at = factory.LazyFunction(timezone.now)
    source = Listen.Source.PLAYER
