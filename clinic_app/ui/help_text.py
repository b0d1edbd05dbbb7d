"""The text of the Help and About boxes."""

from __future__ import annotations

from html import escape

from clinic_app import APP_NAME, __version__

SHORTCUTS = (
    ("Ctrl+F", "Go to the search field"),
    ("Type", "Rank the therapies as you type"),
    ("Down / Up", "Move into and through the results"),
    ("Enter", "Open the selected therapy"),
    ("Escape", "Clear the search"),
    ("Right-click a therapy", "Handout, compare with self-care, or add it to the visit"),
    ("Ctrl++ / Ctrl+-", "Make the therapy text larger / smaller"),
    ("Ctrl+0", "Normal text size"),
    ("Ctrl+N", "New consultation: list the therapies discussed, tick what matters, add notes"),
    ("Ctrl+D", "Add the therapy on screen to the consultation"),
    ("Ctrl+Shift+E", "End the consultation and record it"),
    ("Ctrl+P", "Patient handout: the therapy on screen, or the consultation's bundle"),
    ("Ctrl+Shift+C", "Compare the therapy on screen with others"),
    ("Ctrl+Shift+R", "Consultation records, reprints and usage"),
    ("F5", "In the compare window: show the comparison to the patient, full screen"),
    ("Up / Down, Page Up / Page Down", "In that full-screen view: a row, or a screenful, at a time"),
    ("Esc / Ctrl+W", "Close the compare window, the handout builder or the records"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit"),
)
COMMANDS = (
    ("clinic-app", "Open the window"),
    ("clinic-app search WORDS", "Search therapies in a terminal"),
    ("clinic-app content check", "Check the content files"),
    ("clinic-app content report", "Status, evidence grade and review date per therapy"),
    ("clinic-app compare SLUG SLUG", "A comparison as text, CSV, JSON or PDF"),
    ("clinic-app handout --therapy SLUG -o FILE.pdf", "A patient handout (--compare adds the grid)"),
    ("clinic-app handout log / reprint ID", "Handouts printed, and an exact reprint"),
    ("clinic-app consultations list", "Consultations recorded (also show, export, purge, reprint, usage)"),
    ("clinic-app db upgrade", "Create or update the database"),
    ("clinic-app db check", "Check the database"),
    ("clinic-app db backup", "Write a verified backup"),
    ("clinic-app db backups", "List the backups"),
    ("clinic-app db restore FILE", "Restore a backup"),
    ("--data-dir DIR", "Use another data folder (with any command)"),
)


def _table(rows: tuple[tuple[str, str], ...], code: bool) -> str:
    def key(text: str) -> str:
        return f"<code>{escape(text)}</code>" if code else f"<b>{escape(text)}</b>"

    body = "".join(f"<tr><td style='padding:3px 16px 3px 0;'>{key(k)}</td>"
                   f"<td style='padding:3px 0;'>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table cellspacing='0'>{body}</table>"


def help_html() -> str:
    return (
        f"<h3>{escape(APP_NAME)}</h3>"
        "<p><b>Keyboard</b></p>" + _table(SHORTCUTS, code=False)
        + "<p><b>Command line</b></p>" + _table(COMMANDS, code=True)
    )


def about_html(library: dict[str, str] | None) -> str:
    lines = [f"<h3>{escape(APP_NAME)}</h3>", f"<p>Application version {escape(__version__)}</p>"]
    if library:
        lines.append(f"<p>Content library version {escape(library.get('library_version', 'unknown'))}"
                     f" ({escape(library.get('therapies', '?'))} therapies)</p>")
    else:
        lines.append("<p>The content library is not open yet.</p>")
    lines.append("<p>Therapy summaries, comparisons and patient handouts for spine clinics. "
                 "General information to support a conversation with a clinician; not medical advice.</p>")
    return "".join(lines)
