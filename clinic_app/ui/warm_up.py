"""What the start does off the GUI thread once the list is there and the doctor is reading.

The first handout, comparison, visit or write would otherwise load its modules (and the reading
grade's dictionaries, the document templates, the write store) on the GUI thread while the doctor
waits; here a worker loads them first. Importing runs module code only (classes, constants): no
widget is made off the GUI thread.
"""

from __future__ import annotations

from clinic_app.settings import Location


def warm_up(location: Location) -> None:
    import clinic_app.printing.comparison_jobs
    import clinic_app.printing.handout_jobs
    import clinic_app.services.handout_quality
    import clinic_app.ui.compare.compare_view
    import clinic_app.ui.handout.handout_builder
    import clinic_app.ui.records.consultation_records
    import clinic_app.ui.visit.consultation_panel  # noqa: F401 - loaded now, used when the doctor asks
    from clinic_app.content import readability
    from clinic_app.printing.templates import environment
    from clinic_app.storage.store import Store

    readability.measure("You can walk a little more each day. Ask your doctor what suits you.")
    environment().get_template("handout.html.j2")
    Store.of(location).database()
