"""``clinic-app condition show|set|history|revert|changed|review``: the clinic's edits of a condition's text."""

from __future__ import annotations

import argparse

from clinic_app.cli import revision_commands

NAME = "condition"


def add_parser(commands: argparse._SubParsersAction) -> None:
    condition = commands.add_parser(
        "condition", help="edit a condition's text, aliases and references; every change is a revision and a "
        "newer shipped library never overwrites it",
        description="Edit a condition's text for this clinic (both audiences), its aliases (search words) and its "
        "references. The edited condition is checked as 'content check' checks it (patients' text grade 8 or lower, "
        "no placeholders, citations that resolve to its references); one problem and nothing is changed. A list "
        "(aliases, actions, warning signs, references) is one text, a value a line. Example: clinic-app condition "
        "set sciatica --field aliases --text $'sciatica\\nleg pain' --by 'Dr Lee' --why 'words our patients use'")
    revision_commands.add_actions(condition, "condition", "sciatica", "condition_command", "patient.first_steps")


def run(args: argparse.Namespace) -> int:
    from clinic_app.services import condition_edits

    return revision_commands.run(
        args, args.condition_command, "condition", condition_edits, condition_edits.edit_condition, 30,
        lambda e: f"#{e.revision}  {e.created_at:%Y-%m-%d %H:%M}  {e.origin}  {e.author}")
