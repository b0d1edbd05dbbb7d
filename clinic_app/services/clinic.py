"""The clinic profile: letterhead, clinicians, default disclaimer and print defaults.

Logos are checked before they are stored: PNG or JPEG only (by their bytes, not their file name),
at most 2 MB, between 32 and 4000 pixels a side. A refused logo leaves the stored profile as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

from clinic_app.errors import ClinicAppError, ConflictError
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

MAX_LOGO_BYTES = 2 * 1024 * 1024
MIN_LOGO_PX, MAX_LOGO_PX = 32, 4000
PAPERS = ("a4", "letter")


class ProfileError(ClinicAppError):
    """A profile field or logo that cannot be stored; the message names it."""


@dataclass(frozen=True)
class ClinicProfileData:
    name: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    logo: bytes | None = None
    hours: str = ""  # when the phone is answered, e.g. "Monday to Friday, 8am to 6pm"
    clinicians: tuple[str, ...] = field(default_factory=tuple)
    disclaimer: str = ""
    paper_size: str = "a4"
    large_print: bool = False
    keep_patient_names: bool = False
    # which save this is (0: never saved), where and when: a save from an older version is refused
    version: int = 0
    updated_in: str = ""
    updated_at: dt.datetime | None = None

    def print_choices(self, paper: str | None = None, large_print: bool | None = None) -> tuple[str, bool]:
        """(paper, large print) for one print: what was chosen for it, else the clinic's defaults."""
        return paper or self.paper_size, self.large_print if large_print is None else large_print


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of PNG or JPEG bytes; raises ProfileError for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", width, height
    if data[:3] == b"\xff\xd8\xff":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            length = struct.unpack(">H", data[index + 2:index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[index + 5:index + 9])
                return "JPEG", width, height
            index += 2 + length
        raise ProfileError("the logo is a damaged JPEG file (no image size found)")
    raise ProfileError("the logo must be a PNG or JPEG image")


def check_logo(data: bytes, label: str = "logo") -> bytes:
    if len(data) > MAX_LOGO_BYTES:
        raise ProfileError(f"{label} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_LOGO_BYTES // (1024 * 1024)} MB")
    try:
        kind, width, height = image_size(data)
    except ProfileError as exc:
        raise ProfileError(f"{label}: {exc.message}") from exc
    if not (MIN_LOGO_PX <= width <= MAX_LOGO_PX and MIN_LOGO_PX <= height <= MAX_LOGO_PX):
        raise ProfileError(f"{label} is {width}x{height} pixels; it must be between {MIN_LOGO_PX} and {MAX_LOGO_PX} "
                           f"pixels on each side")
    return data


def read_logo_file(path: Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ProfileError(f"cannot read the logo file {path}: {exc.strerror or exc}") from exc
    return check_logo(data, label=f"logo file {path}")


def load_profile(reader: Reader) -> ClinicProfileData:
    import json

    rows = reader.query("SELECT * FROM clinic_profile ORDER BY id LIMIT 1")
    if not rows:
        return ClinicProfileData()
    r = rows[0]
    clinicians = json.loads(r["clinicians"]) if isinstance(r["clinicians"], str) else (r["clinicians"] or [])
    return ClinicProfileData(
        name=r["name"], address=r["address"], phone=r["phone"], website=r["website"], logo=r["logo_png"],
        hours=r["hours"],
        clinicians=tuple(clinicians), disclaimer=r["disclaimer"], paper_size=r["paper_size"],
        large_print=bool(r["large_print"]), keep_patient_names=bool(r["keep_patient_names"]),
        version=r["version"], updated_in=r["updated_in"],
        updated_at=dt.datetime.fromisoformat(r["updated_at"]) if r["updated_at"] else None,
    )


PHONE_CHARACTERS = re.compile(r"^[0-9+()./\- ]+(?:\s*(?:ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)


def missing_contact(profile: ClinicProfileData) -> list[str]:
    """What a handout needs from the clinic and does not have yet: its name and phone."""
    return [label for label, value in (("name", profile.name), ("phone number", profile.phone)) if not value.strip()]


def validate(profile: ClinicProfileData) -> ClinicProfileData:
    limits = {"name": 200, "phone": 60, "hours": 200, "website": 200, "address": 600, "disclaimer": 2000}
    for name, limit in limits.items():
        value = getattr(profile, name)
        if len(value) > limit:
            raise ProfileError(f"clinic {name} is {len(value)} characters long; the limit is {limit}")
        if "\n" in value and name in ("name", "phone", "hours", "website"):
            raise ProfileError(f"clinic {name} must be one line")
    phone = profile.phone.strip()
    if phone and (not PHONE_CHARACTERS.match(phone) or sum(c.isdigit() for c in phone) < 3):
        raise ProfileError(f"clinic phone {phone!r} is not a phone number: use digits, spaces and + ( ) - . "
                           "(an extension as 'ext 12')")
    if profile.paper_size not in PAPERS:
        raise ProfileError(f"paper size {profile.paper_size!r} is not one of {', '.join(PAPERS)}")
    if profile.logo is not None:
        check_logo(profile.logo)
    clinicians = tuple(c.strip() for c in profile.clinicians if c.strip())
    return replace(profile, name=profile.name.strip(), phone=phone, hours=profile.hours.strip(),
                   clinicians=clinicians)


PROFILE_FIELDS = ("name", "address", "phone", "hours", "website", "clinicians", "disclaimer", "paper_size",
                  "large_print", "keep_patient_names")  # and the logo


def changed_fields(mine: ClinicProfileData, theirs: ClinicProfileData) -> list[str]:
    """The fields in which two versions of the profile differ."""
    names = [name for name in PROFILE_FIELDS if getattr(mine, name) != getattr(theirs, name)]
    return names + (["logo"] if mine.logo != theirs.logo else [])


def save_profile(store: Store, profile: ClinicProfileData) -> ClinicProfileData:
    """Validate and store the profile (one row); nothing is written when a field is refused. A
    profile read before another room saved it (``profile.version`` older than the stored one) is
    refused with a :class:`ConflictError` carrying both versions, nothing written; to save it over
    theirs, save it again with their version."""
    from clinic_app.settings import room_name
    from clinic_app.storage.models import ClinicProfile

    profile = validate(profile)
    with store.write() as session:
        row = session.query(ClinicProfile).order_by(ClinicProfile.id).with_for_update().first()
        if row is not None and row.version != profile.version:
            theirs = load_profile(store)
            when = f"{theirs.updated_at:%H:%M on %d %b}" if theirs.updated_at else "meanwhile"
            raise ConflictError(
                f"the clinic profile was changed in {theirs.updated_in or 'another room'} at {when}, after you "
                f"opened it ({', '.join(changed_fields(profile, theirs)) or 'no field'} differ); nothing was saved. "
                "Compare the two, then save yours over it or take theirs.", mine=profile, theirs=theirs)
        if row is None:
            row = ClinicProfile(version=0)
            session.add(row)
        row.name, row.address, row.phone, row.website = profile.name, profile.address, profile.phone, profile.website
        row.hours = profile.hours
        row.logo_png, row.clinicians, row.disclaimer = profile.logo, list(profile.clinicians), profile.disclaimer
        row.paper_size, row.large_print = profile.paper_size, profile.large_print
        row.keep_patient_names = profile.keep_patient_names
        row.version = (row.version or 0) + 1
        row.updated_in = room_name()
        row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        saved = replace(profile, version=row.version, updated_in=row.updated_in, updated_at=row.updated_at)
    return saved
