"""The §5.4 directory and the registrar's work queues, with dates on both sides of each boundary."""

from datetime import date
from typing import Any

import pytest

from registry.answers import Facts
from registry.application import Registry
from tests.examples import issue_request

ACTOR = "registrar-alice"


def issue(registry: Registry, **overrides: Any) -> str:
    return str(registry.issue(actor=ACTOR, **issue_request(**overrides))["registration_no"])


def numbers(found: list[Facts]) -> list[object]:
    return [f["registration_no"] for f in found]


def test_directory_lists_valid_certificates_by_name_substring(registry: Registry) -> None:
    kept = issue(registry)
    other = issue(
        registry, holder={"name": "北京另一家公司", "uscc": "91440300708461136T", "address": "北京"}
    )

    page = registry.certificates.directory(registry.today(), q="定制家居")

    assert [c["registration_no"] for c in page.items] == [kept]
    assert page.total == 1
    assert other not in [c["registration_no"] for c in page.items]


def test_directory_of_valid_ones_leaves_out_suspended_and_expired(registry: Registry) -> None:
    suspended = issue(registry)
    registry.command(
        "suspend",
        suspended,
        {"reason": "g", "details": "请求", "effective_date": date(2026, 6, 1)},
        actor=ACTOR,
    )
    issue(registry, decision_date=date(2023, 11, 20))  # expired 2026-11-20
    valid = issue(registry)

    page = registry.certificates.directory(registry.today(), status="valid")

    assert [c["registration_no"] for c in page.items] == [valid]


def test_directory_filters_by_level_uscc_and_region_and_pages(registry: Registry) -> None:
    for _ in range(3):
        issue(registry)
    issue(registry, level=4)

    assert registry.certificates.directory(registry.today(), level=4).total == 1
    assert registry.certificates.directory(registry.today(), uscc="91440300708461136T").total == 4
    assert registry.certificates.directory(registry.today(), region="东莞").total == 4
    assert registry.certificates.directory(registry.today(), region="上海").total == 0
    second = registry.certificates.directory(registry.today(), page=2, page_size=3)
    assert (len(second.items), second.total) == (1, 4)


def test_directory_search_treats_wildcards_literally(registry: Registry) -> None:
    issue(registry)

    assert registry.certificates.directory(registry.today(), q="%").total == 0


@pytest.mark.parametrize(
    ("today", "listed"),
    [(date(2027, 3, 10), False), (date(2027, 3, 11), True), (date(2027, 6, 1), True)],
)
def test_first_surveillance_enters_the_queue_60_days_before_it_is_due(
    registry: Registry, today: date, listed: bool
) -> None:
    registration = issue(registry)  # decided 2026-05-11: due by 2027-05-10 (§5.5.2)

    found = registry.certificates.surveillance_due(today, within_days=60)

    assert (registration in numbers(found)) is listed


@pytest.mark.parametrize(
    ("today", "listed"),
    [(date(2026, 10, 30), False), (date(2026, 10, 31), True), (date(2026, 12, 5), True)],
)
def test_suspension_enters_the_queue_30_days_before_its_deadline(
    registry: Registry, today: date, listed: bool
) -> None:
    registration = issue(registry)
    registry.command(
        "suspend",
        registration,
        {"reason": "b", "details": "x", "effective_date": date(2026, 6, 1)},
        actor=ACTOR,
    )

    found = registry.certificates.suspension_deadlines(today, within_days=30)

    assert (registration in numbers(found)) is listed  # deadline 2026-11-30 (§6.3.1.3)


def test_open_ended_suspension_has_no_deadline_to_queue(registry: Registry) -> None:
    registration = issue(registry)
    registry.command(
        "suspend",
        registration,
        {"reason": "f", "details": "许可", "effective_date": date(2026, 6, 1)},
        actor=ACTOR,
    )

    assert registration not in numbers(registry.certificates.suspension_deadlines(date(2030, 1, 1)))


@pytest.mark.parametrize(
    ("today", "listed"),
    [
        (date(2028, 11, 10), False),
        (date(2028, 11, 11), True),
        (date(2029, 5, 10), True),
        (date(2029, 5, 11), False),
    ],
)
def test_recertification_window_is_the_last_six_months_of_validity(
    registry: Registry, today: date, listed: bool
) -> None:
    registration = issue(registry)  # valid until 2029-05-10 (§6.1)

    found = registry.certificates.recertification_window(today)

    assert (registration in numbers(found)) is listed


@pytest.mark.parametrize(
    ("today", "listed"),
    [(date(2025, 8, 29), False), (date(2025, 8, 31), False), (date(2025, 9, 1), True)],
)
def test_recertification_queue_opens_when_recertify_allows_it(
    registry: Registry, today: date, listed: bool
) -> None:
    registration = issue(registry, decision_date=date(2023, 3, 1))  # valid until 2026-02-28

    found = registry.certificates.recertification_window(today)

    assert (registration in numbers(found)) is listed  # §6.1 opens on 2025-09-01
