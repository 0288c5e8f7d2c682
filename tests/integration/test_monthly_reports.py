"""The monthly report's rule: consecutive months never drop or double a change, whether it
was recorded on time, backdated before the report, or backdated after it."""

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from registry.application import Registry
from registry.errors import LifecycleConflict
from registry.maintenance import Maintenance, MonthlyReporter
from registry.regulator_reports import make_monthly, reports_made
from registry.signing import Keys
from tests.conftest import Clock
from tests.examples import issue_request


def beijing(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Beijing


def suspend(registry: Registry, no: str, effective: date) -> None:
    registry.command(
        "suspend",
        no,
        {"reason": "g", "details": "请求", "effective_date": effective},
        actor="alice",
    )


def reported(registry: Registry, keys: Keys, month: str, folder: Path) -> list[tuple[str, str]]:
    """(registration, event) of each row of the month's CSV."""
    path = make_monthly(registry, keys, month, folder, actor="test")
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    return [(r["注册号"], r["事件"]) for r in rows]


@pytest.fixture
def four(registry: Registry, keys: Keys, clock: Clock) -> list[str]:
    clock.now = beijing(date(2026, 11, 20))
    return [registry.issue(actor="alice", **issue_request())["registration_no"] for _ in range(4)]


def test_each_change_is_in_exactly_one_of_consecutive_monthly_reports(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    a, b, c, d = four
    suspend(registry, a, date(2026, 11, 20))  # on time
    clock.now = beijing(date(2026, 12, 2))
    suspend(registry, b, date(2026, 11, 28))  # backdated, before November's report
    suspend(registry, c, date(2026, 12, 2))  # December's, recorded before November's report
    clock.now = beijing(date(2026, 12, 5))
    november = reported(registry, keys, "2026-11", tmp_path)
    clock.now = beijing(date(2026, 12, 7))
    suspend(registry, d, date(2026, 11, 29))  # backdated after November's report was made
    clock.now = beijing(date(2027, 1, 3))

    december = reported(registry, keys, "2026-12", tmp_path)

    issued = [(n, "Issued") for n in four]
    assert november == [*issued, (a, "Suspended"), (b, "Suspended")]
    assert december == [(c, "Suspended"), (d, "Suspended")]


def test_a_report_made_again_holds_the_same_changes(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    clock.now = beijing(date(2026, 12, 1))
    first = reported(registry, keys, "2026-11", tmp_path / "first")
    suspend(registry, four[0], date(2026, 11, 30))  # backdated after the report

    again = reported(registry, keys, "2026-11", tmp_path / "again")

    assert again == first


def test_a_skipped_months_changes_go_into_the_next_report_which_closes_it(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    clock.now = beijing(date(2026, 12, 1))
    reported(registry, keys, "2026-11", tmp_path)
    clock.now = beijing(date(2026, 12, 3))
    suspend(registry, four[0], date(2026, 12, 3))
    clock.now = beijing(date(2027, 2, 1))

    january = reported(registry, keys, "2027-01", tmp_path)

    assert january == [(four[0], "Suspended")]
    with pytest.raises(LifecycleConflict, match="2027-01 is made"):
        make_monthly(registry, keys, "2026-12", tmp_path, actor="test")


def test_the_month_is_read_from_the_feed_a_page_at_a_time_without_a_change_lost(
    registry: Registry, clock: Clock, four: list[str]
) -> None:
    suspend(registry, four[1], date(2026, 11, 20))
    head = registry.recorder.max_notification_id() or 0
    registry.catch_up_projections()

    paged = list(registry.feed.effective_and_stored_by("2026-11-30", head, page=2))

    assert [c["registration_no"] for c in paged] == [*four, four[1]]
    assert paged == list(registry.feed.effective_and_stored_by("2026-11-30", head))


def test_a_monthly_report_leaves_its_files_in_the_folder_and_nothing_else(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    clock.now = beijing(date(2026, 12, 1))

    make_monthly(registry, keys, "2026-11", tmp_path / "reports", actor="test")

    names = {f"regulator-report-2026-11.{suffix}" for suffix in ("csv", "json", "xlsx")}
    names |= {f"{name}.jws" for name in names}
    names |= {
        "regulator-report-2026-11.manifest.json",
        "regulator-report-2026-11.manifest.json.jws",
    }
    assert {path.name for path in (tmp_path / "reports").iterdir()} == names


def test_the_server_makes_last_months_report_from_the_first_by_itself(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    maintenance = Maintenance(registry, keys, reports_dir=tmp_path / "reports")
    clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in Beijing

    maintenance.tick()

    assert reports_made(registry) == {"2026-11": date(2026, 12, 1)}
    assert (tmp_path / "reports" / "regulator-report-2026-11.xlsx.jws").exists()


def test_a_monthly_report_that_fails_is_retried_after_a_back_off(
    registry: Registry, keys: Keys, clock: Clock, four: list[str], tmp_path: Path
) -> None:
    blocked = tmp_path / "reports"
    blocked.write_text("a file where the folder should be")
    reporter = MonthlyReporter(registry, keys, blocked)
    manifest = blocked / "regulator-report-2026-11.manifest.json"
    clock.now = beijing(date(2026, 12, 1))
    reporter.tick()
    blocked.unlink()

    reporter.tick()  # within the back-off: not tried
    before = manifest.exists()
    clock.advance(minutes=1)
    reporter.tick()

    assert before is False
    assert manifest.exists()
    assert reports_made(registry) == {"2026-11": date(2026, 12, 1)}
    assert reporter.failures == 0
