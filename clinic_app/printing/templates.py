"""The one Jinja2 environment for printed documents: packaged templates only, autoescape on."""

from __future__ import annotations

from functools import lru_cache

from clinic_app.content.paths import shipped_content_dir


@lru_cache(maxsize=1)
def environment():  # noqa: ANN201 - Jinja2 is imported on first use only (start-up time)
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(str(shipped_content_dir() / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
    )
