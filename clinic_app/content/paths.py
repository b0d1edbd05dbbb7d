"""Where the shipped content is, and its fingerprint: cheap enough to run before the first paint
(no YAML parsing, no pydantic)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SHARED_FILES = ("library.yaml", "attributes.yaml", "conditions.yaml")
REFERENCE_DIR = "references"  # one file per bibliography section: references/<section>.yaml


def shipped_content_dir() -> Path:
    """The content shipped inside the installed package (``resources/`` in the repo). The package's
    own folder rather than importlib.resources (whose import costs more than the lookup): the
    content is plain files in an installed package, as the style sheet is."""
    import clinic_app.resources as shipped

    return Path(shipped.__file__).parent


def content_fingerprint(directory: Path) -> str:
    """SHA-256 over every content file's name and bytes: changes when any content changes."""
    digest = hashlib.sha256()
    paths = [directory / name for name in SHARED_FILES]
    paths += sorted((directory / REFERENCE_DIR).glob("*.yaml"))
    paths += sorted((directory / "therapies").glob("*.yaml"))
    for path in paths:
        if path.is_file():
            digest.update(os.fsencode(path.relative_to(directory).as_posix()))  # a name need not be UTF-8
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
