"""``clinic-app edit show|set|history|revert|changed|review``: the clinic's edits of a therapy's text."""

from __future__ import annotations

import argparse

from clinic_app.cli import revision_commands

NAME = "edit"


def add_parser(commands: argparse._SubParsersAction) -> None:
    edit = commands.add_parser(
        "edit", help="edit a therapy's shipped text; every change is a revision and a newer shipped library "
        "never overwrites it",
        description="Edit a therapy's text for this clinic. The edited therapy is checked as 'content check' checks "
        "it (patients' text grade 8 or lower, no placeholders, citations that resolve); one problem and nothing is "
        "changed. Example: clinic-app edit set yoga --field patient.recovery --text '...' --by 'Dr Lee' "
        "--why 'our class times'")
    revision_commands.add_actions(edit, "therapy", "yoga", "edit_command", "patient.risks")


def run(args: argparse.Namespace) -> int:
    from clinic_app.services import therapy_edits

    return revision_commands.run(
        args, args.edit_command, "therapy", therapy_edits, therapy_edits.edit_therapy, 34,
        lambda e: f"#{e.revision}  {e.created_at:%Y-%m-%d %H:%M}  {e.origin}  v{e.content_version}  {e.author}")
