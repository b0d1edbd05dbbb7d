"""Contrast (WCAG 2.x, at least 4.5:1 for text) of the colours the window really paints: the selected
row of the therapy list (its title and its evidence line) and the search field's placeholder text."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from clinic_app.ui import app as ui_app
from clinic_app.ui.browse.therapy_list import KindRole

AA = 4.5


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour.getRgbF()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour: QColor, background: QColor) -> QColor:
    """``colour`` as seen on ``background`` (its alpha blended in)."""
    alpha = colour.alphaF()
    return QColor.fromRgbF(*(alpha * c + (1 - alpha) * b for c, b in
                             zip(colour.getRgbF()[:3], background.getRgbF()[:3], strict=True)))


def test_the_wcag_formula():
    assert contrast(QColor("#ffffff"), QColor("#000000")) == pytest.approx(21.0)
    assert contrast(QColor("#ffffff"), QColor("#308cc6")) == pytest.approx(3.69, abs=0.01)  # Qt's default selection


@pytest.fixture
def styled_window(qapp, make_window):
    ui_app._apply_style(qapp)  # as the application runs (the fixture clears it after the test)
    return make_window()


def selected_row_option(view, index, active: bool) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.widget, option.rect = view, view.visualRect(index)
    option.state |= QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_Enabled
    if active:
        option.state |= QStyle.StateFlag.State_Active
    else:
        option.state &= ~QStyle.StateFlag.State_Active
    view.itemDelegate().initStyleOption(option, index)
    return option


@pytest.mark.parametrize("active", [True, False], ids=["list focused", "list not focused"])
def test_the_selected_row_reads_at_4_5_to_1(qtbot, styled_window, active):
    panel = styled_window.search_panel
    assert panel.select_slug("nsaids")
    view, index = panel.list_view, panel.model.index(panel.model.row_of("nsaids"), 0)
    assert index.data(KindRole) == "therapy"
    background, title, evidence = view.itemDelegate().row_colours(selected_row_option(view, index, active))
    assert contrast(title, background) >= AA, (title.name(), background.name())
    assert contrast(evidence, background) >= AA, (evidence.name(), background.name())


def test_the_selected_row_is_painted_in_those_colours(qtbot, styled_window):
    panel = styled_window.search_panel
    view = panel.list_view
    assert panel.select_slug("nsaids")
    index = panel.model.index(panel.model.row_of("nsaids"), 0)
    qtbot.waitUntil(lambda: view.viewport().rect().contains(view.visualRect(index)))
    active = view.window().isActiveWindow()
    background, _title, _evidence = view.itemDelegate().row_colours(selected_row_option(view, index, active))
    rect = view.visualRect(index)
    image = view.viewport().grab().toImage()
    ratio = image.width() / view.viewport().width()  # device pixels
    painted = image.pixelColor(round((rect.left() + 4) * ratio), round((rect.top() + 4) * ratio))
    assert painted.name() == background.name()


def test_unselected_rows_stay_readable(qtbot, styled_window):
    panel = styled_window.search_panel
    view = panel.list_view
    index = panel.model.index(panel.model.row_of("nsaids"), 0)
    option = selected_row_option(view, index, True)
    option.state &= ~QStyle.StateFlag.State_Selected
    background, title, evidence = view.itemDelegate().row_colours(option)
    assert contrast(title, background) >= 7 and contrast(evidence, background) >= AA


def test_the_search_placeholder_reads_at_4_5_to_1(styled_window):
    field = styled_window.search_panel.search_field
    assert field.placeholderText()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette = field.palette()
        background = palette.color(group, QPalette.ColorRole.Base)
        placeholder = over(palette.color(group, QPalette.ColorRole.PlaceholderText), background)
        assert contrast(placeholder, background) >= AA, (placeholder.name(), background.name())


def test_the_visit_panel_placeholders_read_at_4_5_to_1_too(styled_window):
    styled_window.new_consultation_action.trigger()
    field = styled_window.consultation_panel.patient_field
    palette = field.palette()
    background = palette.color(QPalette.ColorRole.Base)
    assert contrast(over(palette.color(QPalette.ColorRole.PlaceholderText), background), background) >= AA


def test_the_search_placeholder_reads_at_4_5_to_1_without_the_style_sheet(window):
    field = window.search_panel.search_field
    background = field.palette().color(QPalette.ColorRole.Base)
    placeholder = over(field.palette().color(QPalette.ColorRole.PlaceholderText), background)
    assert contrast(placeholder, background) >= AA, (placeholder.name(), background.name())
