"""Delivering what a room held in its outbox while the clinic's server could not be reached.

Each entry is sent in the order it was held, each in one server transaction (the record with its
key and its record-chain entry); it leaves the outbox only once the server committed it. An entry
whose key the server already has (delivered just before a crash, or by another window of this
room) is not written again, so whatever happens, each record is on the server exactly once.

Delivery stops at the first entry that cannot be delivered: when the server is out of reach again
(the rest waits for the next try), or when the server refuses the record (it is named, and kept in
the outbox; the entries after it wait too, since a consultation may link a handout held before it).
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


@dataclass
class Delivery:
    delivered: list[Delivered] = field(default_factory=list)
    held: int = 0  # entries still in the outbox
    problem: str = ""  # why delivery stopped before the outbox was empty

    @property
    def ok(self) -> bool:
        return not self.problem


def held_count(location: Location) -> int:
    """How many records this room holds in its outbox (0 off a server: a one-room file has none)."""
    if not location.is_server:
        return 0
    try:
        return Outbox.of(location).count()
    except ClinicAppError:
        return 0


def deliver(store: Store) -> Delivery:
    """Send every entry of this room's outbox to the server, in order, each exactly once."""
    result = Delivery()
    if not store.location.is_server:
        return result
    outbox = Outbox.of(store.location)
    for waiting in outbox.entries():
        try:
            with outbox.delivering(waiting.id) as entry:
                if entry is None:  # another delivery took it meanwhile
                    continue
                record_id = _WRITERS[entry.kind](store, entry.key, entry.payload)
        except ServerUnreachableError as exc:
            result.problem = exc.message
            break
        except ClinicAppError as exc:
            result.problem = f"the held {waiting.kind} (key {waiting.key}) was not taken by the server: {exc.message}"
            break
        result.delivered.append(Delivered(entry.kind, entry.key, record_id))
    result.held = outbox.count()
    return result
