"""Tamper evidence: the Merkle log of every event, signed checkpoints, proofs and receipts,
and the auditor's check of the whole store (`registry audit verify`).

The log's leaves are the events' hashes (32 bytes each) in position order (RFC 9162 §2.1.1).
A checkpoint signs `{size, root, timestamp}` as RFC 8785 JSON with a detached JWS.
"""

import bisect
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, cast
from uuid import UUID

from registry import canonical
from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Chained, recompute_hash
from registry.answers import Answer
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.merkle import MerkleLog, leaf_hash, verify_consistency
from registry.projections.feed import FeedItem
from registry.readmodels import check_certificates, check_receipt
from registry.settings import CHECKPOINT_INTERVAL
from registry.signing import CHECKPOINT_TYP, RECEIPT_TYP, Keys, verify_detached


class Checkpoint(TypedDict):
    """A signed checkpoint: `signature` is a detached JWS over the RFC 8785 JSON of
    `{size, root, timestamp}`."""

    size: int
    root: str
    timestamp: str
    kid: str
    signature: str


class Inclusion(TypedDict):
    position: int
    leaf_index: int
    leaf_hash: str
    size: int
    root: str
    proof: list[str]


class Consistency(TypedDict):
    from_size: int
    to_size: int
    from_root: str
    to_root: str
    proof: list[str]


class Receipt(TypedDict):
    answer: Answer
    checkpoint: Checkpoint
    inclusion: Inclusion
    kid: str
    signature: str


CHECKPOINTS = """CREATE TABLE IF NOT EXISTS checkpoints (
    size BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    kid TEXT NOT NULL,
    signature TEXT NOT NULL)"""
# Subtrees of fewer than 2**4 leaves are not held in memory but read back from the audit
# index when a proof needs them: 4 bytes a leaf, not 64 (128 MB at 2 million events).
MEMORY_FLOOR = 4


def ensure_checkpoints(registry: Registry) -> None:
    if not registry.views.has_table("checkpoints"):
        with registry.views.transaction() as cursor:
            cursor.execute(CHECKPOINTS)


def checkpoint_payload(size: int, root: str, timestamp: str) -> bytes:
    return canonical.dumps({"size": size, "root": root, "timestamp": timestamp})


class AuditLog:
    """The Merkle log as this process holds it (rebuilt from the audit index at start)."""

    def __init__(self, registry: Registry, keys: Keys):
        self.registry = registry
        self.keys = keys
        self.tree = MerkleLog(floor=MEMORY_FLOOR, fetch=self._leaf_hashes)
        self._lock = threading.Lock()
        self._unstored: Checkpoint | None = None  # signed for a reader, not yet stored
        ensure_checkpoints(registry)

    def sync(self) -> int:
        """Append the leaves the audit index has gained; return the tree's size."""
        with self._lock:
            while batch := self.registry.audit_index.leaf_hashes(len(self.tree) - 1):
                for index, digest in batch:
                    assert index == len(self.tree), "the audit index's leaves have a gap"
                    self.tree.append(bytes.fromhex(digest))
            return len(self.tree)

    def _leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of [start, end), read back from the audit index."""
        rows = self.registry.audit_index.leaf_hashes(start - 1, end - start)
        return [leaf_hash(bytes.fromhex(digest)) for _, digest in rows]

    def latest(self) -> Checkpoint | None:
        row = self.registry.views.query_one(
            "SELECT size, root, timestamp, kid, signature FROM checkpoints "
            "ORDER BY size DESC LIMIT 1"
        )
        return None if row is None else _checkpoint(row)

    def with_checkpoints(self, items: list[FeedItem]) -> list[FeedItem]:
        """Regulator feed items, each with the first checkpoint that covers it."""
        if not items:
            return items
        self.issue()
        leaves = {}
        for item in items:
            leaf = self.registry.audit_index.leaf_of(item["position"])
            leaves[item["position"]] = None if leaf is None else leaf[0]
        known = [i for i in leaves.values() if i is not None]
        rows = self.registry.views.query(
            "SELECT size, root, timestamp, kid, signature FROM checkpoints WHERE size > %s "
            "ORDER BY size",
            (min(known, default=0),),
        )
        checkpoints = [_checkpoint(row) for row in rows]
        sizes = [c["size"] for c in checkpoints]
        for item in items:
            index = leaves[item["position"]]
            at = None if index is None else bisect.bisect_right(sizes, index)
            item["checkpoint"] = checkpoints[at] if at is not None and at < len(sizes) else None
        return items

    def current(self) -> Checkpoint:
        """The newest checkpoint, without writing (public reads): the stored one when it
        covers the log, else one signed for this size and kept in memory until the
        maintenance loop stores its own."""
        size = self.sync()
        latest = self.latest()
        if latest is not None and latest["size"] >= size:
            return latest
        unstored = self._unstored
        if unstored is None or unstored["size"] != size:
            unstored = self._unstored = self._sign(size)
        return unstored

    def _sign(self, size: int) -> Checkpoint:
        with self._lock:
            root = self.tree.root(size).hex()
        timestamp = self.registry.clock().isoformat()
        kid, signature = self.keys.sign_detached(
            checkpoint_payload(size, root, timestamp), CHECKPOINT_TYP
        )
        return {
            "size": size,
            "root": root,
            "timestamp": timestamp,
            "kid": kid,
            "signature": signature,
        }

    def issue(self, *, max_age: float = CHECKPOINT_INTERVAL) -> Checkpoint:
        """A checkpoint of the whole log: the latest if nothing was added since (and it is
        younger than `max_age`), else a new one, signed by the active key."""
        self.registry.catch_up_projections()
        size = self.sync()
        latest = self.latest()
        now = self.registry.clock()
        if latest is not None and latest["size"] == size:
            age = (now - datetime.fromisoformat(latest["timestamp"])).total_seconds()
            if age < max_age:
                return latest
        signed = self._sign(size)
        with self.registry.views.transaction() as cursor:
            # An idle log's checkpoint is signed again with a newer time (the size is the
            # key); another process may have signed this size later still: keep theirs.
            cursor.execute(
                "INSERT INTO checkpoints VALUES (%s, %s, %s, %s, %s) ON CONFLICT (size) DO "
                "UPDATE SET timestamp = excluded.timestamp, kid = excluded.kid, "
                "signature = excluded.signature WHERE checkpoints.timestamp < excluded.timestamp",
                tuple(signed[k] for k in ("size", "root", "timestamp", "kid", "signature")),
            )
        return self.latest() or cast(Checkpoint, {})

    def inclusion(self, position: int, size: int | None = None) -> Inclusion:
        """RFC 9162 §2.1.3 audit path of the event at `position` in the tree of `size`."""
        self.sync()
        leaf = self.registry.audit_index.leaf_of(position)
        if leaf is None:
            raise NotFound(f"no event at position {position}")
        index, digest = leaf
        size = len(self.tree) if size is None else size
        if not index < size <= len(self.tree):
            raise InvalidInput(
                f"size must be above the event's leaf index {index} and at most {len(self.tree)}",
                field="size",
            )
        with self._lock:  # a sync appending meanwhile may close the block a proof reads
            root, proof = self.tree.root(size), self.tree.inclusion_proof(index, size)
        return {
            "position": position,
            "leaf_index": index,
            "leaf_hash": digest,
            "size": size,
            "root": root.hex(),
            "proof": [node.hex() for node in proof],
        }

    def consistency(self, from_size: int, to_size: int) -> Consistency:
        """RFC 9162 §2.1.4 proof that the tree of `to_size` extends the tree of `from_size`."""
        size = self.sync()
        if not 0 < from_size <= to_size <= size:
            raise InvalidInput(f"need 0 < from_size <= to_size <= {size}", field="from_size")
        with self._lock:
            roots = self.tree.root(from_size), self.tree.root(to_size)
            proof = self.tree.consistency_proof(from_size, to_size)
        return {
            "from_size": from_size,
            "to_size": to_size,
            "from_root": roots[0].hex(),
            "to_root": roots[1].hex(),
            "proof": [node.hex() for node in proof],
        }

    def receipt(self, answer: Answer) -> Receipt:
        """The answer (made from the events, not the read model) with the checkpoint it was
        read at and the inclusion proof of the certificate's latest event, checked against
        the events too, signed together: evidence a buyer can keep."""
        checkpoint = self.current()
        registration = answer["registration_no"]
        latest = self.registry.audit_index.latest_leaf(registration)
        if latest is None:
            raise NotFound(f"no events of {registration} in the audit log yet")
        position, event_hash = latest
        check_receipt(self.registry, registration, event_hash)
        inclusion = self.inclusion(position, checkpoint["size"])
        body = {"answer": answer, "checkpoint": checkpoint, "inclusion": inclusion}
        kid, signature = self.keys.sign_detached(canonical.dumps(body), RECEIPT_TYP)
        return {
            "answer": answer,
            "checkpoint": checkpoint,
            "inclusion": inclusion,
            "kid": kid,
            "signature": signature,
        }


def _checkpoint(row: tuple[Any, ...]) -> Checkpoint:
    size, root, timestamp, kid, signature = row
    return {
        "size": int(size),
        "root": root,
        "timestamp": timestamp,
        "kid": kid,
        "signature": signature,
    }


@dataclass(frozen=True)
class Finding:
    position: int | None
    problem: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "the log"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    events: int
    checkpoints: int
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)  # worth a look, not proof of tampering

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_store(
    registry: Registry,
    keys: Keys,
    *,
    held: dict[str, Any] | None = None,
    max_age: float | None = None,
) -> VerifyReport:
    """Recompute every hash and hash chain from the stored events, the Merkle tree, and every
    stored checkpoint's root and signature; fail when no signed checkpoint covers the head
    (deleting checkpoints with the events they covered must not pass), when the newest is
    older than `max_age` seconds, or when the store does not extend the checkpoint `held`
    outside the database; then compare every read-model row with the certificates folded
    from the events. Nothing read from the read models is trusted, except to point at the
    first leaf that differs."""
    ensure_checkpoints(registry)
    findings: list[Finding] = []
    notes: list[str] = []
    chains: dict[UUID, tuple[int, str]] = {}  # originator -> (version, hash) of its last event
    tree = MerkleLog()
    leaves = bytearray()  # the stored hashes, 32 bytes each, to point at the first that differs
    positions: list[int] = []
    lasts: dict[UUID, int] = {}  # certificate -> the position of its last event
    last = 0
    while notifications := registry.recorder.select_notifications(
        start=last, limit=1000, inclusive_of_start=False
    ):
        for notification in notifications:
            if notification.id != last + 1:
                findings.extend(_gap(registry, last + 1, notification.id - 1, notes))
            last = notification.id
            positions.append(notification.id)
            try:
                event = cast(Chained.Event, registry.mapper.to_domain_event(notification))
                stored = bytes.fromhex(event.hash)
            except Exception as error:  # any corruption that stops decoding
                findings.append(
                    Finding(notification.id, f"cannot be read ({type(error).__name__})")
                )
                stored = bytes(32)
            else:
                findings.extend(_check_event(notification.id, event, chains))
                if isinstance(event, Certificate.Event):
                    lasts[event.originator_id] = notification.id
            tree.append(stored)
            leaves += stored
    if not findings:  # a log that is itself broken cannot be folded to judge the read models
        findings.extend(Finding(None, problem) for problem in check_certificates(registry, lasts))
    signed = _check_checkpoints(registry, keys, tree, bytes(leaves), positions, findings)
    findings.extend(_check_cover(signed, len(tree), registry.clock(), max_age))
    if held is not None:
        findings.extend(check_held(held, tree, keys))
    findings = list(dict.fromkeys(findings))  # a removed event may be found twice
    findings.sort(key=lambda f: (f.position is None, f.position or 0))
    return VerifyReport(len(positions), len(signed), findings, notes)


def _gap(registry: Registry, first: int, last: int, notes: list[str]) -> list[Finding]:
    """Positions the log skips. SQLite never skips one, so a gap there is a removed event;
    PostgreSQL skips the number of a rolled-back insert, so there a gap is a removed event
    only when the audit index still knows one at that position."""
    known = registry.views.query_one(
        "SELECT MIN(position) FROM audit_events WHERE position BETWEEN %s AND %s", (first, last)
    )
    if known is not None and known[0] is not None:
        return [Finding(int(known[0]), "missing from the store (removed)")]
    span = f"{first}" if first == last else f"{first}–{last}"
    if not registry.views.postgres:
        return [Finding(first, f"positions {span} are missing from the store (removed)")]
    notes.append(
        f"positions {span} are absent: a rolled-back insert leaves such a gap on PostgreSQL; "
        "only a checkpoint held outside the database (--checkpoint) tells it from a removal"
    )
    return []


def _check_cover(
    signed: list[Checkpoint], size: int, now: datetime, max_age: float | None
) -> list[Finding]:
    newest = max(signed, key=lambda c: int(c["size"]), default=None)
    if newest is None or newest["size"] < size:
        covered = 0 if newest is None else newest["size"]
        return [
            Finding(
                None,
                f"no signed checkpoint covers the head ({size} events, the newest checkpoint "
                f"covers {covered}): checkpoints deleted with the events they covered look "
                "like this; check against a checkpoint held elsewhere (--checkpoint)",
            )
        ]
    age = (now - datetime.fromisoformat(newest["timestamp"])).total_seconds()
    if max_age is not None and age > max_age:
        return [
            Finding(
                None,
                f"the newest checkpoint (size {newest['size']}, signed {newest['timestamp']}) "
                f"is {_duration(age)} old, older than the {_duration(max_age)} allowed (by "
                "default the refresh interval, REGISTRY_CHECKPOINT_INTERVAL, within which a "
                "running server signs again, so checkpoints may have been deleted): for an "
                "offline copy of a stopped server widen it with --max-age SECONDS, or check "
                "against a checkpoint held elsewhere with --checkpoint FILE|URL",
            )
        ]
    return []


def _duration(seconds: float) -> str:
    """`7261 s (2 h 1 min)`: exact for a script, readable for a person."""
    whole = int(seconds)
    hours, minutes = divmod(whole // 60, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"{seconds:.0f} s" + (f" ({' '.join(parts)})" if parts else "")


def check_held(held: dict[str, Any], tree: MerkleLog, keys: Keys) -> list[Finding]:
    """Whether the log recomputed from the store extends a checkpoint kept elsewhere (the
    regulator's copy, a witness's): its signature, then an RFC 9162 consistency proof."""
    try:
        size, root = int(held["size"]), bytes.fromhex(held["root"])
        payload = checkpoint_payload(size, held["root"], held["timestamp"])
        signature = held["signature"]
    except (KeyError, TypeError, ValueError):
        return [Finding(None, "the held checkpoint is not {size, root, timestamp, signature}")]
    if size < 1 or not verify_detached(signature, payload, keys.all_public_keys(), CHECKPOINT_TYP):
        return [Finding(None, "the held checkpoint's signature does not verify")]
    if not _signed_in_trust(cast(Checkpoint, held), payload, keys):
        return [Finding(None, f"the held checkpoint: {_AFTER_COMPROMISE}")]
    if size > len(tree):
        return [
            Finding(
                None,
                f"the held checkpoint covers {size} events, the store holds {len(tree)} "
                "(events removed)",
            )
        ]
    proof = tree.consistency_proof(size, len(tree))
    if not verify_consistency(size, len(tree), root, tree.root(), proof):
        return [
            Finding(
                None,
                f"the store does not extend the held checkpoint of size {size} "
                "(events it covers were altered, removed or reordered)",
            )
        ]
    return []


def _check_event(
    position: int, event: Chained.Event, chains: dict[UUID, tuple[int, str]]
) -> list[Finding]:
    found = []
    if recompute_hash(event) != event.hash:
        found.append(Finding(position, "its hash does not match its contents (altered)"))
    previous = chains.get(event.originator_id)
    expected_version = 1 if previous is None else previous[0] + 1
    if event.originator_version != expected_version:
        found.append(
            Finding(
                position,
                f"version {event.originator_version} of {event.originator_id} follows "
                f"version {expected_version - 1} (an event removed or reordered)",
            )
        )
    elif event.prev_hash != (None if previous is None else previous[1]):
        found.append(Finding(position, "prev_hash does not name the previous event's hash"))
    chains[event.originator_id] = (event.originator_version, event.hash)
    return found


def _check_checkpoints(
    registry: Registry,
    keys: Keys,
    tree: MerkleLog,
    leaves: bytes,
    positions: list[int],
    found: list[Finding],
) -> list[Checkpoint]:
    """The stored checkpoints whose signature verifies; a finding for each other one, and
    for each whose root the store no longer gives."""
    signed = []
    rows = registry.views.query(
        "SELECT size, root, timestamp, kid, signature FROM checkpoints ORDER BY size"
    )
    known = keys.all_public_keys()
    for row in rows:
        checkpoint = _checkpoint(row)
        size = checkpoint["size"]
        payload = checkpoint_payload(size, checkpoint["root"], checkpoint["timestamp"])
        if not verify_detached(checkpoint["signature"], payload, known, CHECKPOINT_TYP):
            found.append(Finding(None, f"checkpoint of size {size}: the signature does not verify"))
            continue
        if not _signed_in_trust(checkpoint, payload, keys):
            found.append(Finding(None, f"checkpoint of size {size}: {_AFTER_COMPROMISE}"))
            continue
        signed.append(checkpoint)
        if size > len(tree) or tree.root(size).hex() != checkpoint["root"]:
            found.append(_where_roots_part(registry, leaves, positions, size))
    return signed


_AFTER_COMPROMISE = "signed by a key after it was marked compromised"


def _signed_in_trust(checkpoint: Checkpoint, payload: bytes, keys: Keys) -> bool:
    """Whether the signature holds with the keys trusted at the checkpoint's own time."""
    try:
        trusted = keys.public_keys_at(str(checkpoint["timestamp"]))
    except (ValueError, TypeError):  # not an ISO time with its offset
        return False
    return verify_detached(str(checkpoint["signature"]), payload, trusted, CHECKPOINT_TYP)


def _where_roots_part(
    registry: Registry, leaves: bytes, positions: list[int], size: int
) -> Finding:
    """Name the first event where the store departs from the signed log, using the audit
    index's copy of the leaves as a guide when it still has one."""
    present = set(positions)
    for index, position, digest in registry.audit_index.leaves_with_positions(size):
        if position not in present:
            return Finding(position, "missing from the store (removed)")
        stored = leaves[32 * index : 32 * index + 32]
        if positions[index] != position or stored != bytes.fromhex(digest):
            return Finding(positions[min(index, len(positions) - 1)], _PARTED)
    if size > len(positions):
        return Finding(None, f"a checkpoint covers {size} events, the store holds {len(positions)}")
    return Finding(None, f"the Merkle root of the first {size} events differs from its checkpoint")


_PARTED = "differs from the event the signed checkpoint covers here (altered or reordered)"
