"""The clinic profile: stored once, logos checked by their bytes, refusals leave it as it was."""

from __future__ import annotations

import struct
import zlib

import pytest

from clinic_app.services import clinic
from clinic_app.services.clinic import ClinicProfileData, ProfileError
from clinic_app.storage.store import Store


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_header(width: int, height: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9 + sof + b"\xff\xd9"


def test_png_and_jpeg_sizes_are_read_from_bytes():
    assert clinic.image_size(png(120, 60)) == ("PNG", 120, 60)
    assert clinic.image_size(jpeg_header(300, 200)) == ("JPEG", 300, 200)


@pytest.mark.parametrize(("data", "message"), [
    (b"GIF89a" + b"\x00" * 100, "PNG or JPEG"),
    (png(10, 10), "between 32 and 4000"),
    (png(5000, 40), "5000x40"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024), "limit is 2 MB"),
])
def test_bad_logos_are_refused_with_a_reason(data, message):
    with pytest.raises(ProfileError, match=message):
        clinic.check_logo(data)


def test_logo_file_errors_name_the_file(tmp_path):
    path = tmp_path / "logo.png"
    path.write_bytes(b"not an image")
    with pytest.raises(ProfileError, match="logo.png"):
        clinic.read_logo_file(path)
    with pytest.raises(ProfileError, match="missing.png"):
        clinic.read_logo_file(tmp_path / "missing.png")


def test_profile_round_trip_and_refusal_keeps_the_stored_one(prepared_location):
    saved = clinic.save_profile(Store.of(prepared_location), ClinicProfileData(
        name=" Riverside Spine Clinic ", address="1 River Road\nLeeds", phone="0113 000 0000",
        logo=png(64, 64), clinicians=("Dr A. Shah", " ", "Dr B. Lee"), paper_size="letter", large_print=True))
    assert saved.name == "Riverside Spine Clinic" and saved.clinicians == ("Dr A. Shah", "Dr B. Lee")
    reader = Store.of(prepared_location)
    assert clinic.load_profile(reader) == saved
    with pytest.raises(ProfileError, match="paper size"):
        clinic.save_profile(Store.of(prepared_location), ClinicProfileData(name="Other", paper_size="a3"))
    with pytest.raises(ProfileError):
        clinic.save_profile(Store.of(prepared_location), ClinicProfileData(name="Other", logo=b"junk"))
    assert clinic.load_profile(reader) == saved
    reader.close()


def test_a_print_takes_what_was_chosen_for_it_else_the_clinics_defaults():
    from clinic_app.services.clinic import ClinicProfileData

    profile = ClinicProfileData(name="Spine Clinic", paper_size="letter", large_print=True)
    assert profile.print_choices() == ("letter", True)
    assert profile.print_choices("a4", False) == ("a4", False)
    assert profile.print_choices(None, False) == ("letter", False)
