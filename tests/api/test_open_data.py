"""Open data: the whole register streamed as JSON Lines and CSV, a signed manifest, and the
log's public entries from which anyone recomputes a signed checkpoint's root."""

import csv
import hashlib
import io
import json

import pytest

from registry import exports
from tests.api.conftest import SUSPENSION, Api, detached_verifies
from tests.examples import HOLDER

JSONL = "/api/v1/exports/certificates.jsonl"
CSV = "/api/v1/exports/certificates.csv"


def issue_three(api: Api) -> list[str]:
    numbers = [api.issue(), api.issue(holder=HOLDER | {"name": "第二家公司"}), api.issue()]
    assert api.command(numbers[1], "suspensions", SUSPENSION).status_code == 201
    return numbers


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written here from the RFC alone: the test trusts no registry code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of 2 below n
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def test_the_jsonl_export_holds_each_certificate_as_verification_answers_it(api: Api) -> None:
    numbers = issue_three(api)

    response = api.client.get(JSONL)

    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines == [api.client.get(f"/api/v1/verify?number={n}").json() for n in numbers]
    assert [line["status"] for line in lines] == ["valid", "suspended", "valid"]


def test_an_export_longer_than_a_page_is_whole_and_in_order(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = issue_three(api)
    monkeypatch.setattr(exports, "PAGE", 2)  # three rows: two pages, of the query and the stream

    jsonl, table = api.client.get(JSONL), api.client.get(CSV)

    assert [json.loads(line)["registration_no"] for line in jsonl.text.splitlines()] == numbers
    assert len(table.content.decode("utf-8-sig").splitlines()) == 1 + 3


def test_the_csv_export_has_a_bom_a_header_and_a_row_per_certificate(api: Api) -> None:
    issue_three(api)

    response = api.client.get(CSV)

    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["holder_name"], r["status"], r["suspension_reason"]) for r in rows] == [
        (HOLDER["name"], "valid", ""),
        ("第二家公司", "suspended", "b"),
        (HOLDER["name"], "valid", ""),
    ]


def test_an_unchanged_export_answers_304_and_a_change_gives_a_new_etag(api: Api) -> None:
    no = api.issue()
    first = api.client.get(JSONL)

    again = api.client.get(JSONL, headers={"If-None-Match": first.headers["ETag"]})
    api.command(no, "suspensions", SUSPENSION)
    changed = api.client.get(JSONL, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "Last-Modified" in first.headers


def test_the_signed_manifest_names_the_digest_and_count_of_each_export(api: Api) -> None:
    issue_three(api)
    jsonl, table = api.client.get(JSONL), api.client.get(CSV)

    response = api.client.get("/api/v1/exports/manifest.json")

    manifest = response.json()
    assert detached_verifies(api, response.headers["X-Registry-Signature"], response.content)
    assert manifest["etag"] == jsonl.headers["ETag"] == table.headers["ETag"]
    assert manifest["files"]["certificates.jsonl"] == {
        "count": 3,
        "bytes": len(jsonl.content),
        "sha256": hashlib.sha256(jsonl.content).hexdigest(),
    }
    assert manifest["files"]["certificates.csv"]["sha256"] == (
        hashlib.sha256(table.content).hexdigest()
    )
    assert manifest["checkpoint"] == api.client.get("/api/v1/audit/checkpoint").json()


def test_the_checkpoint_root_is_recomputed_from_the_log_entries_alone(api: Api) -> None:
    issue_three(api)
    checkpoint = api.client.get("/api/v1/audit/checkpoint").json()

    entries = api.client.get(f"/api/v1/log/entries?start=0&end={checkpoint['size'] - 1}").json()

    hashes = [bytes.fromhex(e["hash"]) for e in entries["entries"]]
    assert [e["leaf_index"] for e in entries["entries"]] == list(range(checkpoint["size"]))
    assert mth(hashes).hex() == checkpoint["root"]


def test_log_entries_show_no_actor_and_no_private_data(api: Api) -> None:
    api.issue()

    response = api.client.get("/api/v1/log/entries?start=0&end=99")

    entries = response.json()["entries"]
    assert all("actor" not in e for e in entries)
    assert "registrar-1" not in response.text  # the tokens' names, which are the actors
    assert {e["type"]: e["data"] for e in entries}["TokenCreated"] is None
    assert {e["type"]: e["data"] for e in entries}["Issued"]["holder"]["name"] == HOLDER["name"]


def test_log_entries_beyond_the_log_are_an_empty_page(api: Api) -> None:
    response = api.client.get("/api/v1/log/entries?start=1000&end=1010")

    assert response.json() == {"entries": []}


def test_log_entries_ending_before_they_start_are_422(api: Api) -> None:
    response = api.client.get("/api/v1/log/entries?start=5&end=4")

    assert response.status_code == 422
    assert response.json()["field"] == "end"
