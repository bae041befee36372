"""Uploaded pictures: checked with Pillow, stripped of metadata, resized once at upload.

An upload is refused (with a message for the admin, and nothing stored) unless Pillow
reads it as a JPEG, PNG or WebP image within the size and pixel limits below. An
accepted upload is decoded to bare pixels, so EXIF (camera, GPS location) and every
other metadata block is dropped, then saved as WebP and JPEG renditions at up to four
widths, never wider than the original. Pages serve them with srcset and sizes.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 6000  # pixels: a phone photo fits; a decompression bomb does not
MAX_PIXELS = 30_000_000
MIN_WIDTH = 400
WIDTHS = (480, 800, 1200, 1600)
QUALITY = {"webp": 80, "jpeg": 82}


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    fmt: str  # "webp" or "jpeg"
    data: bytes


def check_upload(upload: UploadedFile) -> tuple[int, int]:
    """Return the upload's pixel size, or raise ValidationError saying why it is refused."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MB. Please upload a smaller image."
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a very large image; treat that as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                fmt, (width, height) = image.format, image.size
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            "This file is not an image we can read. Please upload a JPEG, PNG or WebP photo."
        ) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            f"This image has too many pixels; the largest accepted is {MAX_SIDE} pixels on a side."
        ) from error
    finally:
        upload.seek(0)
    if fmt not in FORMATS:
        raise ValidationError(f"{fmt} images are not accepted. Please upload a JPEG, PNG or WebP.")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            f"This image is {width} by {height} pixels; the largest accepted is {MAX_SIDE} "
            "pixels on a side."
        )
    if width < MIN_WIDTH:
        raise ValidationError(
            f"This image is only {width} pixels wide; please upload one at least "
            f"{MIN_WIDTH} pixels wide so it stays sharp."
        )
    return width, height


def bare_pixels(upload: UploadedFile) -> Image.Image:
    """Return the upload upright (EXIF orientation applied) as pixels with no metadata."""
    upload.seek(0)
    with Image.open(upload) as image:
        upright = ImageOps.exif_transpose(image)
        mode = "RGBA" if "A" in upright.getbands() else "RGB"
        converted = upright.convert(mode)
        # A new image from raw bytes carries no info dict: no EXIF, GPS, XMP or ICC text.
        return Image.frombytes(mode, converted.size, converted.tobytes())


def renditions(image: Image.Image) -> list[Rendition]:
    """Return WebP and JPEG renditions at each width up to the image's own."""
    widths = [w for w in WIDTHS if w < image.width] + [min(image.width, WIDTHS[-1])]
    out = []
    for width in sorted(set(widths)):
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in ("webp", "jpeg"):
            buffer = io.BytesIO()
            frame = resized
            if fmt == "jpeg" and resized.mode == "RGBA":
                frame = Image.new("RGB", resized.size, "white")
                frame.paste(resized, mask=resized.getchannel("A"))
            frame.save(buffer, fmt.upper(), quality=QUALITY[fmt], optimize=fmt == "jpeg")
            out.append(Rendition(width, height, fmt, buffer.getvalue()))
    return out


def store_renditions(upload: UploadedFile) -> tuple[int, int, list[dict]]:
    """Save the upload's renditions to the media storage; return the largest's size and all."""
    made = renditions(bare_pixels(upload))
    folder = f"pictures/{uuid.uuid4().hex}"
    saved = []
    for item in made:
        name = default_storage.save(f"{folder}/{item.width}.{item.fmt}", ContentFile(item.data))
        saved.append({"width": item.width, "height": item.height, "fmt": item.fmt, "name": name})
    return made[-1].width, made[-1].height, saved
