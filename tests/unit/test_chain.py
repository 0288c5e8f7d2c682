import dataclasses
import hashlib
from datetime import UTC, date, datetime
from uuid import UUID

from registry.aggregates.chain import event_hash, recompute_hash
from tests.examples import STAMP, new_certificate

ID = UUID("12345678-1234-5678-1234-567812345678")
AT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def test_hash_is_sha256_of_the_canonical_json_of_the_event() -> None:
    canonical = (
        '{"actor":"张三","data":{"person_days":2.5,"reason":"b","sites":[{"a":1}]},'
        '"effective_date":"2026-06-01","id":"12345678-1234-5678-1234-567812345678",'
        '"prev_hash":null,"recorded_at":"2026-11-25T02:00:00+00:00","type":"Suspended",'
        '"version":2}'
    )

    digest = event_hash(
        originator_id=ID,
        type_name="Suspended",
        version=2,
        recorded_at=AT,
        effective_date=date(2026, 6, 1),
        actor="张三",
        data={"sites": ({"a": 1},), "reason": "b", "person_days": 2.5},
        prev_hash=None,
    )

    assert digest == hashlib.sha256(canonical.encode()).hexdigest()


def test_each_event_names_its_predecessors_hash() -> None:
    cert = new_certificate()
    cert.suspend(reason="g", details="应获证组织请求", effective_date=date(2026, 6, 1), stamp=STAMP)

    issued, suspended = cert.collect_events()

    assert issued.prev_hash is None  # type: ignore[attr-defined]
    assert suspended.prev_hash == issued.hash  # type: ignore[attr-defined]


def test_recomputed_hash_matches_the_stored_one() -> None:
    (issued,) = new_certificate().collect_events()

    assert recompute_hash(issued) == issued.hash  # type: ignore[arg-type, attr-defined]


def test_changing_any_field_changes_the_hash() -> None:
    (issued,) = new_certificate().collect_events()

    tampered = dataclasses.replace(issued, level=5)  # type: ignore[type-var]

    assert recompute_hash(tampered) != issued.hash  # type: ignore[arg-type, attr-defined]
