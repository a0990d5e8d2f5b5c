"""Profile pictures are decoded and re-encoded, never stored as uploaded."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from rubysound.accounts.images import AVATAR, BANNER, process_image
from tests.accounts.conftest import noise_png, png_claiming_size, upload
from tests.factories import image_upload

SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
  <script>alert(document.cookie)</script><rect width="64" height="64" fill="red"/>
</svg>"""


def decoded(content) -> Image.Image:
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def refusal(upload_file, spec=AVATAR) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        process_image(upload_file, spec)
    return excinfo.value


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF"])
def test_accepted_formats_become_a_512px_square_webp_avatar(image_format):
    source = image_upload(name=f"photo.{image_format.lower()}", image_format=image_format)
    content = process_image(source, AVATAR)
    assert content.name.endswith(".webp")
    image = decoded(content)
    assert image.format == "WEBP"
    assert image.size == (512, 512)


def test_colours_survive_the_re_encoding():
    image = decoded(process_image(image_upload(color="#ff0000"), AVATAR)).convert("RGB")
    red, green, blue = image.getpixel((256, 256))
    assert red > 200
    assert green < 40
    assert blue < 40


def test_banner_is_1600_by_400():
    content = process_image(image_upload(size=(3000, 1000)), BANNER)
    assert decoded(content).size == (1600, 400)


def test_uploaded_file_name_is_not_reused():
    content = process_image(image_upload(name="../../etc/passwd.png"), AVATAR)
    assert "passwd" not in content.name
    assert "/" not in content.name


def test_exif_metadata_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 29.0)}  # GPSInfo: latitude
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(buffer, format="JPEG", exif=exif)
    source = buffer.getvalue()
    assert b"SpyCam" in source
    assert Image.open(io.BytesIO(source)).getexif()

    output = process_image(upload("geo.jpg", source, "image/jpeg"), AVATAR).read()

    assert b"SpyCam" not in output
    image = Image.open(io.BytesIO(output))
    assert "exif" not in image.info
    assert not image.getexif()


def test_exif_orientation_is_applied_before_it_is_dropped():
    # A landscape picture whose camera says "rotate 90°" is shown as portrait: the banner
    # crop of the stored result must come from the rotated picture (top half red).
    buffer = io.BytesIO()
    image = Image.new("RGB", (200, 100), "blue")
    image.paste("red", (0, 0, 100, 100))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    result = decoded(process_image(upload("turned.jpg", buffer.getvalue()), AVATAR))
    top = result.convert("RGB").getpixel((128, 20))
    bottom = result.convert("RGB").getpixel((128, 490))
    assert top[0] > 200, top
    assert top[2] < 60, top
    assert bottom[2] > 200, bottom
    assert bottom[0] < 60, bottom


def test_transparent_png_keeps_its_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 0, 0, 0)).save(buffer, format="PNG")
    result = decoded(process_image(upload("clear.png", buffer.getvalue()), AVATAR))
    assert result.mode == "RGBA"
    assert result.getpixel((10, 10))[3] == 0


def test_text_file_named_png_is_refused():
    error = refusal(upload("notes.png", b"just some text, certainly not a picture\n" * 20))
    assert error.code == "invalid_image"


def test_svg_is_refused():
    assert refusal(upload("logo.svg", SVG, "image/svg+xml")).code == "invalid_image"


def test_svg_disguised_as_png_is_refused():
    assert refusal(upload("logo.png", SVG, "image/png")).code == "invalid_image"


def test_other_decodable_formats_are_refused():
    source = image_upload(name="old.bmp", image_format="BMP")
    assert refusal(source).code == "unsupported_format"


def test_truncated_image_is_refused():
    data = noise_png((200, 200))
    assert refusal(upload("cut.png", data[: len(data) // 2])).code == "invalid_image"


def test_empty_file_is_refused():
    assert refusal(upload("empty.png", b"")).code == "invalid_image"


def test_file_over_the_byte_limit_is_refused(settings):
    data = noise_png((64, 64))
    settings.IMAGE_UPLOAD_MAX_BYTES = len(data) - 1
    assert refusal(upload("big.png", data)).code == "too_large"


def test_file_at_the_byte_limit_is_accepted(settings):
    data = noise_png((64, 64))
    settings.IMAGE_UPLOAD_MAX_BYTES = len(data)
    assert decoded(process_image(upload("ok.png", data), AVATAR)).format == "WEBP"


def test_image_over_the_pixel_limit_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100 * 100
    assert refusal(image_upload(size=(101, 100))).code == "too_many_pixels"
    assert decoded(process_image(image_upload(size=(100, 100)), AVATAR)).size == (512, 512)


def test_pixel_limit_is_checked_from_the_header_before_decoding(settings):
    # The header claims 4 megapixels but no pixel data follows: decoding would fail as
    # "truncated"; being refused for its pixel count proves nothing was decoded.
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1_000_000
    bomb = upload("bomb.png", png_claiming_size(2000, 2000))
    assert refusal(bomb).code == "too_many_pixels"


def test_decompression_bomb_header_is_refused():
    # 100 000 x 100 000 pixels would need ~30 GB once decoded.
    bomb = upload("bomb.png", png_claiming_size(100_000, 100_000))
    assert refusal(bomb).code in {"invalid_image", "too_many_pixels"}
