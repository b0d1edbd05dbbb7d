"""The window: widgets, Qt item models, dialogs and actions; the only package that imports QtWidgets."""
