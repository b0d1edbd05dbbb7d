"""The usage chart draws both counts on one scale, and the numbers stay readable."""

from __future__ import annotations

from clinic_app.services.consultations import UsageRow
from clinic_app.ui.records.usage_chart import BarRole, UsageModel


def test_discussed_and_handed_out_share_one_scale(qtmodeltester):
    model = UsageModel()
    model.set_rows([UsageRow(month="2026-11", slug="nsaids", name="NSAIDs", discussed=4, handed_out=1),
                    UsageRow(month="2026-11", slug="self-care", name="Self-care", discussed=2, handed_out=2)],
                   "in November 2026")
    qtmodeltester.check(model)
    bar = {(r, c): model.index(r, c).data(BarRole) for r in range(2) for c in (1, 2)}
    assert bar[(0, 1)] == 1.0 and bar[(0, 2)] == 0.25  # one handout a quarter of four discussions
    assert bar[(1, 1)] == bar[(1, 2)] == 0.5
    assert model.index(0, 2).data() == 1  # the number itself is shown beside the bar
