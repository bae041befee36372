"""Uploaded pictures: checked, stripped of metadata, resized once, served with srcset."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from clinic.models import Picture, TherapistProfile
from tests import factories

ADD = "/admin/clinic/picture/add/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _image(width: int, height: int, fmt: str = "JPEG", *, gps: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (15, 76, 92))
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "SpyCam"
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (33.0, 56.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (84.0, 22.0, 48.0),
        }
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


def _upload(admin_client, data: bytes, name: str = "photo.jpg", alt: str = "A runner stretching"):
    return admin_client.post(ADD, {"upload": SimpleUploadedFile(name, data), "alt": alt})


def _stored(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_upload_makes_webp_and_jpeg_renditions_at_up_to_four_widths(admin_client, media_root):
    response = _upload(admin_client, _image(1800, 1200))

    assert response.status_code == 302
    picture = Picture.objects.get()
    assert (picture.width, picture.height) == (1600, 1067)
    assert sorted((r["fmt"], r["width"]) for r in picture.renditions) == [
        (fmt, width) for fmt in ("jpeg", "webp") for width in (480, 800, 1200, 1600)
    ]
    for path in _stored(media_root):
        with Image.open(path) as image:
            assert image.format in {"JPEG", "WEBP"}
            assert image.width in {480, 800, 1200, 1600}
    assert len(_stored(media_root)) == 8


def test_upload_never_wider_than_the_original(admin_client):
    _upload(admin_client, _image(900, 600, "PNG"), name="small.png")

    widths = sorted({r["width"] for r in Picture.objects.get().renditions})
    assert widths == [480, 800, 900]


def test_gps_and_camera_exif_are_stripped_from_every_rendition(admin_client, media_root):
    original = _image(1000, 800, gps=True)
    with Image.open(io.BytesIO(original)) as check:  # the test image really carries GPS
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    assert _upload(admin_client, original).status_code == 302

    for path in _stored(media_root):
        data = path.read_bytes()
        assert b"SpyCam" not in data and b"Exif" not in data
        with Image.open(path) as image:
            assert not image.getexif()
            assert "exif" not in image.info


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 not a picture at all", "photo.jpg", "not an image we can read"),
        (b"<svg onload='alert(1)'></svg>", "photo.svg", "not an image we can read"),
        (_image(6100, 500, "PNG"), "wide.png", "the largest accepted is 6000 pixels"),
        (_image(300, 300), "tiny.jpg", "only 300 pixels wide"),
        (_image(600, 400, "GIF"), "anim.gif", "GIF images are not accepted"),
    ],
)
def test_refused_upload_says_why_and_stores_nothing(admin_client, media_root, data, name, message):
    response = _upload(admin_client, data, name=name)

    assert response.status_code == 200
    assert message in response.text
    assert not Picture.objects.exists()
    assert _stored(media_root) == []


def test_upload_over_the_byte_limit_is_refused(admin_client, media_root, settings):
    response = _upload(admin_client, b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 1))

    assert "the limit is 10 MB" in response.text
    assert not Picture.objects.exists() and _stored(media_root) == []


def test_alt_text_is_required(admin_client, media_root):
    response = _upload(admin_client, _image(800, 600), alt="")

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not Picture.objects.exists() and _stored(media_root) == []


def _picture(admin_client, alt: str = "Hands working a runner's calf") -> Picture:
    assert _upload(admin_client, _image(1800, 1200), alt=alt).status_code == 302
    return Picture.objects.get(alt=alt)


def test_service_page_serves_the_hero_with_srcset_sizes_and_size(admin_client, client):
    service = factories.make_service(slug="cupping")
    service.hero = _picture(admin_client)
    service.save()

    html = client.get("/services/cupping/").text

    [source] = re.findall(r'<source type="image/webp" srcset="([^"]+)" sizes="[^"]+">', html)
    assert [w for w in re.findall(r" (\d+)w", source)] == ["480", "800", "1200", "1600"]
    [img] = re.findall(r"<img [^>]*srcset=[^>]+>", html)
    assert 'width="1600" height="1067"' in img
    assert 'alt="Hands working a runner&#x27;s calf"' in img
    assert 'fetchpriority="high"' in img  # the page's first picture is not lazy
    url = re.search(r"(/media/\S+\.jpeg) \d+w", img).group(1)
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "immutable" in served["Cache-Control"]


def test_therapist_photos_below_the_fold_load_lazily(admin_client, client):
    service = factories.make_service()
    for n in range(3):
        therapist = factories.make_therapist(name=f"Pat {n}", services=[service])
        TherapistProfile.objects.create(
            therapist=therapist,
            license_number=f"MT00{n}",
            practicing_since=2015,
            photo=_picture(admin_client, alt=f"Photo of Pat {n}"),
        )

    html = client.get("/therapists/").text
    imgs = re.findall(r'<img [^>]*alt="Photo of Pat \d"[^>]*>', html)

    assert len(imgs) == 3
    assert "loading" not in imgs[0]
    assert all('loading="lazy"' in img for img in imgs[1:])


def test_media_outside_the_folder_is_not_served(client, db):
    assert client.get("/media/../clinic/settings.py").status_code in {400, 404}
    assert client.get("/media/pictures/none/480.jpeg").status_code == 404
