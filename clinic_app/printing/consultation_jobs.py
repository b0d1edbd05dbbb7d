"""Reprinting what a patient was given in a past consultation, exactly as it was handed out.

Every handout's stored copy is checked against the SHA-256 recorded with the consultation before
anything is written or printed; each copy then goes through the handout reprint, which marks it as
a reprint and logs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clinic_app.errors import DatabaseError
from clinic_app.printing import handout_jobs
from clinic_app.printing.handout_jobs import HandoutResult
from clinic_app.services import consultations
from clinic_app.services.consultations import ConsultationError
from clinic_app.storage.store import Store


def reprint_consultation(store: Store, consultation_id: int, output_dir: Path | None = None,
                         printer: str | None = None,
                         progress: Callable[[int, int, str], None] | None = None) -> list[HandoutResult]:
    """Send the consultation's handouts to ``printer``, or write them as
    ``consultation-<id>-handout-<print id>.pdf`` in the existing folder ``output_dir``; ``progress``
    hears of each step (the hash checks, then each handout)."""
    item = consultations.get(store, consultation_id)
    if not item.handouts:
        raise ConsultationError(f"no handouts were given in consultation #{consultation_id}; there is nothing to reprint")
    if not printer:
        if output_dir is None:
            raise ConsultationError("say where the handouts go: a folder for the PDFs or a printer")
        if not Path(output_dir).is_dir():
            raise ConsultationError(f"cannot write the handouts to {output_dir}: the folder does not exist")
    steps = len(item.handouts) + 1
    report = progress or (lambda done, total, text: None)
    report(0, steps, "Checking the stored handouts…")
    failed = [message for _, ok, message in consultations.verify_handouts(store, consultation_id) if not ok]
    if failed:
        raise DatabaseError(f"consultation #{consultation_id} was not reprinted: {'; '.join(failed)}")

    def pdf(print_id: int) -> Path | None:
        return None if printer else Path(output_dir) / f"consultation-{consultation_id}-handout-{print_id}.pdf"

    results = []
    for done, (print_id, _) in enumerate(item.handouts, start=1):
        report(done, steps, f"Handout #{print_id} ({done} of {len(item.handouts)})…")
        results.append(handout_jobs.reprint(store, print_id, output=pdf(print_id), printer=printer or None))
    report(steps, steps, "")
    return results
