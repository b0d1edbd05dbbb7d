"""``clinic-app clinic show|set``: the clinic profile every handout carries."""

from __future__ import annotations

import argparse
import json

from clinic_app.cli.common import location_of, text

NAME = "clinic"
ASK = object()  # --edit-passphrase given without a value: read it with getpass


def add_parser(commands: argparse._SubParsersAction) -> None:
    clinic = commands.add_parser(
        "clinic", help="the clinic's name, phone, hours and print settings (what every handout carries)",
        description="Show or set the clinic profile from a script, with the same checks as the window's "
        "Clinic profile. Example: clinic-app clinic set --name 'Northside Spine Clinic' --phone '020 7946 0000' "
        "--hours 'Monday to Friday, 8am to 6pm'")
    clinic_cmds = clinic.add_subparsers(dest="clinic_command", metavar="ACTION", required=True)
    clinic_show = clinic_cmds.add_parser("show", help="the clinic profile, and what a handout still needs")
    clinic_show.add_argument("--json", action="store_true", help="print JSON for scripts")
    clinic_set = clinic_cmds.add_parser("set", help="change the fields given; the others stay as they are")
    clinic_set.add_argument("--name", type=text, help="the clinic's name, printed at the top of every handout")
    clinic_set.add_argument("--phone", type=text, help="the number patients call, printed on every handout")
    clinic_set.add_argument("--hours", type=text, help="when that phone is answered, e.g. 'Monday to Friday, 8am to 6pm'")
    clinic_set.add_argument("--address", type=text, help="the address (use \\n for a new line)")
    clinic_set.add_argument("--website", type=text, help="printed as text")
    clinic_set.add_argument("--paper", choices=("a4", "letter"), help="the paper handouts print on")
    clinic_set.add_argument("--edit-passphrase", nargs="?", const=ASK, type=text, metavar="TEXT",
                            help="ask for this passphrase before the window's edit dialogs open (a therapy's text, "
                            "the clinic's own fields); without TEXT it is asked for, unseen. Needs --by")
    clinic_set.add_argument("--clear-edit-passphrase", action="store_true",
                            help="open the edit dialogs without a passphrase again. Needs --by")
    clinic_set.add_argument("--by", type=text, metavar="NAME", help="who sets or clears the edit passphrase")


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict, replace

    from clinic_app.services import clinic, store_setup

    location = location_of(args)
    store = store_setup.open_store(location)
    profile = clinic.load_profile(store)
    if args.clinic_command == "set" and (args.edit_passphrase is not None or args.clear_edit_passphrase):
        return _passphrase(store, args)
    if args.clinic_command == "set":
        changes = {name: getattr(args, name) for name in ("name", "phone", "hours", "address", "website")
                   if getattr(args, name) is not None}
        if "address" in changes:
            changes["address"] = changes["address"].replace("\\n", "\n")
        if args.paper:
            changes["paper_size"] = args.paper
        if not changes:
            raise clinic.ProfileError("nothing to set: give --name, --phone, --hours, --address, --website or --paper")
        profile = clinic.save_profile(store, replace(profile, **changes))
        print(f"clinic profile saved ({', '.join(sorted(changes))})")
    missing = clinic.missing_contact(profile)
    if args.clinic_command == "show" and args.json:
        data = {k: v for k, v in asdict(profile).items() if k != "logo"}
        data["clinicians"] = list(profile.clinicians)
        data["has_logo"] = profile.logo is not None
        data["missing_for_handouts"] = missing
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if args.clinic_command == "show":
        for label, value in (("name", profile.name), ("phone", profile.phone), ("hours", profile.hours),
                             ("address", profile.address.replace("\n", ", ")), ("website", profile.website),
                             ("paper", profile.paper_size), ("large print", "yes" if profile.large_print else "no"),
                             ("clinicians", ", ".join(profile.clinicians)), ("logo", "yes" if profile.logo else "no")):
            print(f"{label:<12} {value or '(not set)'}")
    if missing:
        print(f"handouts still need the clinic's {' and '.join(missing)}: "
              "clinic-app clinic set --name NAME --phone NUMBER")
    return 0


def _passphrase(store, args: argparse.Namespace) -> int:  # noqa: ANN001 - a Store
    import getpass

    from clinic_app.services import edit_guard

    if args.edit_passphrase is not None and args.clear_edit_passphrase:
        raise edit_guard.PassphraseError("give --edit-passphrase or --clear-edit-passphrase, not both")
    if args.clear_edit_passphrase:
        edit_guard.clear_passphrase(store, args.by or "")
        print("edit passphrase cleared: the edit dialogs open without one")
        return 0
    if not (args.by or "").strip():  # before asking for a passphrase that could not be stored
        raise edit_guard.PassphraseError("setting the edit passphrase needs who is setting it: --by NAME")
    phrase = args.edit_passphrase
    if phrase is ASK:
        try:
            phrase = getpass.getpass("Edit passphrase: ")
            again = getpass.getpass("The same again: ")
        except EOFError:
            raise edit_guard.PassphraseError("no passphrase was typed; nothing was changed") from None
        if again != phrase:
            raise edit_guard.PassphraseError("the two passphrases differ; nothing was changed")
    edit_guard.set_passphrase(store, phrase, args.by)
    print("edit passphrase set: the window asks for it before a therapy's text or the clinic's own fields open")
    return 0
