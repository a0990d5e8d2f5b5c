"""Demo cover art: one picture per album, the same every time."""

import io

from PIL import Image

from rubysound.demo.artwork import cover_image, png_from_jpeg


def test_each_album_has_its_own_reproducible_cover():
    cover = cover_image("The Velvet Foxes", "Paper Maps", "Rock")

    assert cover == cover_image("The Velvet Foxes", "Paper Maps", "Rock")
    assert cover != cover_image("The Velvet Foxes", "Glass Rooms", "Rock")
    with Image.open(io.BytesIO(cover)) as image:
        assert (image.format, image.size) == ("JPEG", (500, 500))


def test_a_png_folder_image_is_the_same_picture():
    with Image.open(io.BytesIO(png_from_jpeg(cover_image("A", "B", "Jazz")))) as image:
        assert (image.format, image.size) == ("PNG", (500, 500))
