"""Checkpoints, proofs and receipts over HTTP, checked with independent code (PyJWT, RFC 9162)."""

from typing import Any, cast

import rfc8785
from fastapi import FastAPI

from registry.merkle import verify_consistency, verify_inclusion
from tests.api.conftest import SUSPENSION, Api, detached_verifies


def checkpoint(api: Api) -> dict[str, Any]:
    response = api.client.get("/api/v1/audit/checkpoint")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def signed_part(c: dict[str, Any]) -> bytes:
    return bytes(rfc8785.dumps({"size": c["size"], "root": c["root"], "timestamp": c["timestamp"]}))


def proved_included(api: Api, event: dict[str, Any], c: dict[str, Any]) -> bool:
    """The server's inclusion proof of `event` checks out against checkpoint `c`."""
    proof = api.client.get(
        "/api/v1/audit/proof", params={"position": event["position"], "size": c["size"]}
    ).json()
    return verify_inclusion(
        bytes.fromhex(event["hash"]),
        proof["leaf_index"],
        c["size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(c["root"]),
    )


def test_checkpoint_signature_verifies_with_an_independent_jose_library(api: Api) -> None:
    api.issue()

    c = checkpoint(api)

    assert detached_verifies(api, c["signature"], signed_part(c))
    assert not detached_verifies(api, c["signature"], signed_part(c | {"size": c["size"] + 1}))


def test_inclusion_proof_of_every_event_verifies_against_the_checkpoint(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)
    c = checkpoint(api)
    events = api.client.get("/api/v1/audit/events", headers=api.auth("auditor")).json()

    for event in events:
        assert proved_included(api, event, c)


def test_proofs_verify_for_events_whose_subtrees_are_read_back_from_the_audit_index(
    api: Api,
) -> None:
    """The server keeps no subtree under 16 leaves once its block is complete (MEMORY_FLOOR)."""
    for _ in range(30):
        api.issue()
    c = checkpoint(api)
    events = api.client.get("/api/v1/audit/events", headers=api.auth("auditor")).json()
    assert c["size"] > 32

    for event in events:
        assert proved_included(api, event, c)
    for old_size in (1, 5, 16, 17, c["size"] - 1):
        proof = api.client.get(
            "/api/v1/audit/proof", params={"from_size": old_size, "to_size": c["size"]}
        ).json()
        assert verify_consistency(
            old_size,
            c["size"],
            bytes.fromhex(proof["from_root"]),
            bytes.fromhex(c["root"]),
            [bytes.fromhex(p) for p in proof["proof"]],
        )


def test_a_later_checkpoint_is_consistent_with_an_earlier_one(api: Api) -> None:
    no = api.issue()
    first = checkpoint(api)
    api.command(no, "suspensions", SUSPENSION)
    second = checkpoint(api)

    proof = api.client.get(
        "/api/v1/audit/proof", params={"from_size": first["size"], "to_size": second["size"]}
    ).json()

    assert second["size"] > first["size"]
    assert verify_consistency(
        first["size"],
        second["size"],
        bytes.fromhex(first["root"]),
        bytes.fromhex(second["root"]),
        [bytes.fromhex(p) for p in proof["proof"]],
    )


def test_proof_for_an_unknown_position_is_404_and_bad_sizes_422(api: Api) -> None:
    api.issue()

    unknown = api.client.get("/api/v1/audit/proof", params={"position": 9999})
    too_big = api.client.get("/api/v1/audit/proof", params={"from_size": 1, "to_size": 9999})
    nothing = api.client.get("/api/v1/audit/proof")

    assert [r.status_code for r in (unknown, too_big, nothing)] == [404, 422, 422]


def test_receipt_binds_the_answer_to_a_checkpoint_with_a_proof(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    receipt = api.client.get("/api/v1/verify", params={"number": no, "receipt": 1}).json()

    body = {k: receipt[k] for k in ("answer", "checkpoint", "inclusion")}
    assert detached_verifies(api, receipt["signature"], bytes(rfc8785.dumps(body)))
    assert receipt["answer"]["status"] == "suspended"
    c, inclusion = receipt["checkpoint"], receipt["inclusion"]
    assert detached_verifies(api, c["signature"], signed_part(c))
    assert verify_inclusion(
        bytes.fromhex(inclusion["leaf_hash"]),
        inclusion["leaf_index"],
        c["size"],
        [bytes.fromhex(p) for p in inclusion["proof"]],
        bytes.fromhex(c["root"]),
    )


def test_every_feed_item_carries_a_checkpoint_that_covers_it(api: Api) -> None:
    no = api.issue()
    api.command(no, "suspensions", SUSPENSION)

    items = api.client.get("/api/v1/regulator/feed", headers=api.auth("regulator")).json()["items"]

    for item in items:
        proof = api.client.get(
            "/api/v1/audit/proof",
            params={"position": item["position"], "size": item["checkpoint"]["size"]},
        )
        assert proof.status_code == 200
        assert detached_verifies(
            api, item["checkpoint"]["signature"], signed_part(item["checkpoint"])
        )


def test_a_receipt_is_made_from_the_events_not_a_tampered_read_model(api: Api) -> None:
    no = api.issue()
    api.command(
        no, "revocations", {"reason": "k", "details": "主动", "effective_date": "2026-09-01"}
    )
    registry = cast(FastAPI, api.client.app).state.registry
    with registry.views.transaction() as cursor:
        cursor.execute("UPDATE certificates SET facts = replace(facts, '\"revoked\"', '\"valid\"')")

    receipt = api.client.get("/api/v1/verify", params={"number": no, "receipt": 1}).json()

    assert receipt["answer"]["status"] == "revoked"


def test_no_receipt_is_signed_for_a_phantom_number(api: Api) -> None:
    no = api.issue()
    registry = cast(FastAPI, api.client.app).state.registry
    with registry.views.transaction() as cursor:
        cursor.execute(
            "INSERT INTO certificates SELECT 'CESI2026EV/IMG19999', certificate_no, holder_name, "
            "uscc, level, status, valid_until, restore_deadline, next_surveillance_due, "
            "recertification_opens, corrective_deadline, late_notified, open_case_since, "
            "late_step_decided, sites, facts, last_position, last_hash FROM certificates "
            "WHERE registration_no = %s",
            (no,),
        )

    response = api.client.get(
        "/api/v1/verify", params={"number": "CESI2026EV/IMG19999", "receipt": 1}
    )

    assert response.status_code == 404


def test_a_registrar_reads_a_certificates_history(api: Api) -> None:
    """The second surveillance of a cycle covers what the first did not (§5.5.3)."""
    no = api.issue()

    history = api.client.get(f"/api/v1/certificates/{no}/history", headers=api.auth())

    assert history.status_code == 200
    assert [event["type"] for event in history.json()] == ["Issued"]
