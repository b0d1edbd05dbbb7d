"""Delivering what a room held in its outbox while the clinic's server could not be reached.

Each entry is sent in the order it was held, each in one server transaction (the record with its
key and its record-chain entry); it leaves the outbox only once the server committed it. An entry
whose key the server already has (delivered just before a crash, or by another window of this
room) is not written again, so whatever happens, each record is on the server exactly once.

Delivery stops when the server is out of reach again (the rest waits for the next try, in order).
When the server refuses a record (it answered, and said no), the refusal is noted on the entry,
which stays held (tried again next time, or set aside by the clinic with ``clinic-app db outbox
--set-aside KEY``), and the entries after it are still delivered in order, except a consultation
that gave a handout not delivered in this run: it is linked to that handout on the server, so it
waits for it, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clinic_app.errors import ClinicAppError, ServerUnreachableError
from clinic_app.services import consultations, handout_log
from clinic_app.settings import Location
from clinic_app.storage.outbox import Outbox
from clinic_app.storage.store import Store

_WRITERS = {"consultation": consultations.deliver_held, "handout": handout_log.deliver_held}


@dataclass(frozen=True)
class Delivered:
    kind: str  # consultation | handout
    key: str
    id: int  # its id on the server


@dataclass(frozen=True)
class NotDelivered:
    """A held entry this delivery did not send: the server refused it, or it waits for one that was."""

    kind: str
    key: str
    reason: str  # the server's reason, or what it waits for
    waits_for: str = ""  # the key of the held handout it waits for ("" : refused itself)


@dataclass
class Delivery:
    delivered: list[Delivered] = field(default_factory=list)
    refused: list[NotDelivered] = field(default_factory=list)  # refused or waiting, kept in the outbox
    held: int = 0  # entries still in the outbox
    problem: str = ""  # why delivery stopped before the outbox was empty

    @property
    def ok(self) -> bool:
        return not self.problem and not self.refused


def held_count(location: Location) -> int:
    """How many records this room holds in its outbox (0 off a server: a one-room file has none)."""
    if not location.is_server:
        return 0
    try:
        return Outbox.of(location).count()
    except ClinicAppError:
        return 0


def refused_count(location: Location) -> int:
    """How many of the records this room holds the server refused (they wait for the clinic: see
    ``clinic-app db outbox``); 0 off a server."""
    if not location.is_server:
        return 0
    try:
        return sum(1 for entry in Outbox.of(location).entries() if entry.refused)
    except ClinicAppError:
        return 0


def deliver(store: Store) -> Delivery:
    """Send every entry of this room's outbox to the server, in order, each exactly once."""
    result = Delivery()
    if not store.location.is_server:
        return result
    outbox = Outbox.of(store.location)
    kept: set[str] = set()  # keys of held entries not delivered in this run
    for waiting in outbox.entries():
        blocking = [key for key in waiting.handout_keys() if key in kept]
        if blocking:
            kept.add(waiting.key)
            result.refused.append(NotDelivered(
                waiting.kind, waiting.key, f"it gave the held handout (key {blocking[0]}) that was not delivered; "
                "it waits for it", blocking[0]))
            continue
        try:
            with outbox.delivering(waiting.id) as entry:
                if entry is None:  # another delivery took it meanwhile
                    continue
                record_id = _WRITERS[entry.kind](store, entry.key, entry.payload)
        except ServerUnreachableError as exc:
            result.problem = exc.message
            break
        except ClinicAppError as exc:
            kept.add(waiting.key)
            outbox.refuse(waiting.id, exc.message)
            result.refused.append(NotDelivered(waiting.kind, waiting.key, exc.message))
            continue
        result.delivered.append(Delivered(entry.kind, entry.key, record_id))
    result.held = outbox.count()
    return result


def refusals_said(result: Delivery) -> list[str]:
    """One line for each held record the server refused (or that waits for one), for the user."""
    lines = []
    for item in result.refused:
        if item.waits_for:
            lines.append(f"the held {item.kind} (key {item.key}) waits for the held handout (key {item.waits_for}) "
                         "it gave, which the server did not take")
        else:
            lines.append(f"the held {item.kind} (key {item.key}) was not taken by the server: {item.reason}")
    return lines
