"""The window: widgets, Qt item models, dialogs and actions; the only package that imports QtWidgets.

Grouped by what the doctor does: ``browse`` (the main window, the list, the therapy page),
``compare``, ``handout``, ``visit``, ``records`` and ``profile``. Beside them, what every window
shares: starting the application (``app``), work off the GUI thread (``tasks``, ``operations``),
the dialogs and message boxes (``dialogs``, ``messages``), the short-list models (``list_models``),
window places (``window_place``) and settings.
"""
