"""What every command shares: where the data lives."""

from __future__ import annotations

import argparse


def location_of(args: argparse.Namespace):  # noqa: ANN201
    """The data folder and database URL from --data-dir/--database-url, the environment or the defaults."""
    from clinic_app.settings import resolve

    return resolve(args.data_dir, args.database_url)
