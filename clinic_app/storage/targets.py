"""Where an output file goes: what is checked before anything is written there.

Qt-free and at the bottom layer, so the text exports (CSV, Markdown, JSON) and content packs check their
target without loading the painter.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def target_problem(path: Path) -> str | None:
    """Why no file can be written at ``path``, in words for "cannot write PATH: ..."; None when it
    can be tried. A folder, a device or a pipe at ``path`` is never replaced; a name too long, a
    loop of symbolic links or a folder that does not exist is said before anything is made."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        return "a part of its path is a file, not a folder"
    except OSError as exc:  # ENAMETOOLONG, ELOOP, EACCES...
        return f"{exc.strerror or exc}; nothing was written"
    except ValueError:  # "embedded null byte": a name given from a program, not typed
        return "the name holds a NUL character, which no file name can hold; nothing was written"
    if mode is not None:
        if stat.S_ISDIR(mode):
            return "it is a folder"
        if not stat.S_ISREG(mode):
            return "it is not a regular file (a device or a pipe?); it was left as it was"
        return None
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    return None
