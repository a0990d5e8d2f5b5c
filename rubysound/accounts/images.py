"""Profile pictures: decoded and re-encoded by Pillow, never stored as uploaded.

Re-encoding drops whatever else the upload carried (scripts in SVG-like payloads, EXIF with
locations, polyglot files); the pixel cap is checked from the header before decoding, so a
decompression bomb is refused without allocating its pixels.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from rubysound.core.images import image_decoding

from .errors import AccountErrorCode

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class ImageSpec:
    width: int
    height: int
    crop: bool  # True: fill the box exactly (avatars); False: fit inside it (banners)


AVATAR = ImageSpec(512, 512, crop=True)
BANNER = ImageSpec(1600, 400, crop=True)


@image_decoding
def process_image(upload, spec: ImageSpec) -> ContentFile:
    """Validated, resized WebP content for an uploaded image, or a ValidationError."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.IMAGE_UPLOAD_MAX_BYTES:
        limit_mb = settings.IMAGE_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise ValidationError(
            f"Image is too large (the limit is {limit_mb} MB).", code=AccountErrorCode.TOO_LARGE
        )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    "Upload a JPEG, PNG, WebP or GIF image.",
                    code=AccountErrorCode.UNSUPPORTED_FORMAT,
                )
            width, height = image.size
            if width * height > settings.IMAGE_UPLOAD_MAX_PIXELS:
                raise ValidationError(
                    "Image has too many pixels.", code=AccountErrorCode.TOO_MANY_PIXELS
                )
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "Upload a valid image.", code=AccountErrorCode.INVALID_IMAGE
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError(
            "The image is damaged or truncated.", code=AccountErrorCode.INVALID_IMAGE
        ) from None

    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB")
    if spec.crop:
        image = ImageOps.fit(image, (spec.width, spec.height), Image.Resampling.LANCZOS)
    else:
        image.thumbnail((spec.width, spec.height), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="WEBP", quality=85, method=4)
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.webp")
