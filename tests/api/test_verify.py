"""The public verification endpoint and its problem answers, through the real app."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from registry.application import open_registry
from registry.settings import Settings
from tests.examples import NOW, issue_request


@pytest.fixture
def settings(durable_database_url: str) -> Settings:
    return Settings(database_url=durable_database_url)


@pytest.fixture
def registration(settings: Settings) -> str:
    with open_registry(settings, clock=lambda: NOW) as registry:
        return str(registry.issue(actor="alice", **issue_request())["registration_no"])


@pytest.fixture
def client(settings: Settings, registration: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_verify_answers_by_number_with_a_literal_slash(
    client: TestClient, registration: str
) -> None:
    response = client.get("/api/v1/verify", params={"number": f"{registration}R00"})

    assert response.status_code == 200
    assert response.json()["registration_no"] == registration
    assert response.json()["status"] == "valid"


def test_verify_answers_as_of_a_date(client: TestClient, registration: str) -> None:
    response = client.get("/api/v1/verify", params={"number": registration, "as_of": "2026-06-01"})

    assert response.json()["as_of"] == "2026-06-01"


def test_unknown_certificate_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/verify", params={"number": "CESI2026EV/IMG19999"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


def test_malformed_number_is_a_422_problem_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/verify", params={"number": "<script>"})

    assert response.status_code == 422
    assert response.json()["field"] == "number"


def test_malformed_date_is_a_422_problem(client: TestClient, registration: str) -> None:
    response = client.get("/api/v1/verify", params={"number": registration, "as_of": "2026-13-01"})

    assert response.status_code == 422
    assert response.json()["field"] == "as_of"


def test_clause_catalogue_lists_every_clause(client: TestClient) -> None:
    clauses = client.get("/api/v1/clauses").json()

    assert len(clauses) == 104
    assert set(clauses[0]) == {"id", "appendix", "function", "text"}
