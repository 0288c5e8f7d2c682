"""CSV import and the demo data set: bad rows reported by line and not stored, nothing doubled."""

import csv
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from registry.aggregates.certificate import Certificate
from registry.application import Registry
from registry.demo import demo_rows
from registry.importer import COLUMNS, Importer, read_csv
from tests.api.conftest import body
from tests.examples import HOLDER, SITES, surveillance
from tests.history import dump

GOOD = {
    "holder_name": HOLDER["name"],
    "uscc": HOLDER["uscc"],
    "address": HOLDER["address"],
    "level": "3",
    "decision_date": "2026-05-11",
    "person_days": "5",
    "not_met": "1",
    "partially_met": "19",
    "fully_met": "84",
    "functions_met": "1,2,3,4,5,6,7,8",
    "platform_met": "true",
    "sites": json.dumps(SITES, ensure_ascii=False),
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        extra = [k for row in rows for k in row if k not in COLUMNS]  # site_address, activity
        writer = csv.DictWriter(file, fieldnames=list(dict.fromkeys([*COLUMNS, *extra])))
        writer.writeheader()
        writer.writerows(rows)
    return path


def registrations(registry: Registry) -> list[str]:
    return [
        str(r[0])
        for r in registry.views.query("SELECT registration_no FROM certificates ORDER BY 1")
    ]


def test_bad_rows_are_reported_by_line_and_the_rest_imported(
    registry: Registry, tmp_path: Path
) -> None:
    rows = [
        GOOD,
        GOOD | {"uscc": "91440300708461136U"},  # line 3: bad check character
        GOOD | {"level": "5"},  # line 4: the evaluation does not reach level 5
        GOOD | {"registration_no": "CESI2026EV/IMG10042"},
        GOOD | {"sites": "not json"},  # line 6
    ]
    path = write_csv(tmp_path / "in.csv", rows)

    result = Importer(registry).run(read_csv(path))

    assert result.imported == 2
    assert [line for line, _ in result.errors] == [3, 4, 6]
    assert "check character" in result.errors[0][1]
    assert registrations(registry) == ["CESI2026EV/IMG10001", "CESI2026EV/IMG10042"]


def refusals(registry: Registry, path: Path) -> list[str]:
    result = Importer(registry).run(read_csv(path))
    assert result.imported == 0
    return [message for _, message in result.errors]


def test_a_bad_row_is_refused_in_chinese_then_english(registry: Registry, tmp_path: Path) -> None:
    rows = [
        GOOD | {"uscc": "91440300708461136U"},
        GOOD | {"decision_date": "2026-02-30"},
        GOOD | {"level": "7"},
        GOOD | {"level": "三"},
        GOOD | {"status": "gone"},
    ]

    messages = refusals(registry, write_csv(tmp_path / "in.csv", rows))

    assert messages == [
        "统一社会信用代码（uscc）的值不正确 / unified social credit code 91440300708461136U: "
        "check character should be T",
        "认证决定日期（decision_date）应为日期 YYYY-MM-DD，而不是 '2026-02-30' / "
        "decision_date must be a date YYYY-MM-DD, not '2026-02-30'",
        "认证级别（level）的值不正确（CESI-SC-OD13 §5.1.2） / "
        "level must be 1 to 5, not 7 (CESI-SC-OD13 §5.1.2)",
        "认证级别（level）应为整数，而不是 '三' / level must be a whole number, not '三'",
        "证书状态应为 valid、suspended、revoked 或 cancelled，而不是 'gone' / "
        "status is valid, suspended, revoked or cancelled, not 'gone'",
    ]


def test_a_refusal_of_the_rules_names_its_column_and_section_in_chinese(
    registry: Registry, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD | {"person_days": "1"}])

    (message,) = refusals(registry, path)

    chinese, english = message.split(" / ")
    assert chinese == "现场审核人日（person_days）不符合认证规则（CESI-SC-OD13 §5.3.1）"
    assert english.startswith("a level 3 evaluation needs at least 5 on-site person-days")


def test_a_bad_site_row_is_refused_in_chinese_then_english(
    registry: Registry, tmp_path: Path
) -> None:
    first = {k: v for k, v in GOOD.items() if k != "sites"}
    rows = [first | {"site_address": "", "activity": "大规模个性化定制设计"}]
    messages = refusals(registry, write_csv(tmp_path / "in.csv", rows))

    assert messages == [
        "场所地址（site_address）的值不正确 / scope.sites.address must not be empty"
    ]


def test_function_modules_are_imported_from_their_columns(
    registry: Registry, tmp_path: Path
) -> None:
    level_1 = GOOD | {"level": "1", "person_days": "4", "functions_met": "1, 5,6,7,8"}
    level_1 |= {"not_met": "", "partially_met": "", "fully_met": ""}
    path = write_csv(tmp_path / "in.csv", [level_1])

    result = Importer(registry).run(read_csv(path))

    assert (result.imported, result.errors) == (1, [])
    (issued,) = registry.events.get(Certificate.create_id("CESI2026EV/IMG10001"))
    assert issued.evaluation == {  # type: ignore[attr-defined]
        "report_ref": "",
        "functions_met": ["1", "5", "6", "7", "8"],
        "platform_met": True,
    }


def test_rows_whose_function_modules_miss_the_level_are_refused_by_line(
    registry: Registry, tmp_path: Path
) -> None:
    rows = [
        GOOD | {"functions_met": "1,5,6,7,8"},  # line 2: level 3 needs all eight
        GOOD | {"platform_met": "false"},  # line 3
        GOOD | {"platform_met": "yes"},  # line 4
        GOOD | {"functions_met": "", "platform_met": ""},  # line 5: no modules at all
    ]
    path = write_csv(tmp_path / "in.csv", rows)

    result = Importer(registry).run(read_csv(path))

    assert result.imported == 0
    assert [line for line, _ in result.errors] == [2, 3, 4, 5]
    assert "platform_met must be true or false" in result.errors[2][1]


def test_history_and_status_are_imported_as_events(registry: Registry, tmp_path: Path) -> None:
    history = [{"command": "surveil", **body(surveillance())}]
    row = GOOD | {
        "history": json.dumps(history),
        "status": "suspended",
        "status_date": "2026-11-10",
        "reason": "g",
        "details": "请求",
    }
    path = write_csv(tmp_path / "in.csv", [row])

    Importer(registry).run(read_csv(path))

    answer = registry.verify(number="CESI2026EV/IMG10001")
    assert answer["status"] == "suspended"
    assert answer["last_surveillance_date"] == "2026-11-02"


def test_importing_the_same_file_again_doubles_nothing(registry: Registry, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD, GOOD | {"registration_no": "CESI2026EV/IMG10100"}])
    Importer(registry).run(read_csv(path))
    head = registry.recorder.max_notification_id()

    again = Importer(registry).run(read_csv(path))

    assert (again.imported, again.skipped, again.errors) == (0, 2, [])
    assert registry.recorder.max_notification_id() == head


def test_the_read_models_an_import_writes_equal_a_rebuild_from_the_events(
    registry: Registry,
) -> None:
    Importer(registry, actor="demo").run(enumerate(demo_rows(registry.today(), 60), start=2))
    imported = dump(registry)

    registry.projector.rebuild()

    assert dump(registry) == imported


def test_demo_data_set_has_every_kind_of_history_and_loads_once(registry: Registry) -> None:
    rows = list(enumerate(demo_rows(registry.today(), 120), start=2))

    first = Importer(registry, actor="demo").run(rows)
    second = Importer(registry, actor="demo").run(rows)

    assert (first.imported, first.errors) == (120, [])
    assert second.skipped == 120
    types = {str(r[0]) for r in registry.views.query("SELECT DISTINCT type FROM audit_events")}
    assert {"Issued", "Surveilled", "Suspended", "Revoked", "ScopeNarrowed"} <= types
    assert {"CorrectiveActionVerified", "HolderNotified", "CaseOpened", "CaseClosed"} <= types
    assert {"SubCertificateIssued", "Restored", "CaseAcknowledged", "Recertified"} <= types
    revoked = registry.views.query("SELECT data FROM audit_events WHERE type = 'Revoked'")
    assert any(json.loads(str(row[0])).get("demand_date") for row in revoked)  # §6.3.2.1 h
    data = [
        json.loads(str(row[0]))
        for row in registry.views.query("SELECT data FROM audit_events WHERE type = 'Surveilled'")
    ]
    assert any(d.get("evaluation") for d in data)  # §5.5.3 (3)
    suspended = registry.views.query(
        "SELECT effective_date, data FROM audit_events WHERE type = 'Suspended'"
    )
    periods = {
        date.fromisoformat(json.loads(str(d))["restore_deadline"] or str(day))
        - date.fromisoformat(str(day))
        for day, d in suspended
    }
    assert timedelta(days=60) in periods  # §6.3.1.3: a shorter period set by CESI
    answers = registry.directory(page_size=200)["items"]
    assert any(site.get("activities_en") for a in answers for site in a["scope"]["sites"])  # §6 g
    levels = {int(r[0]) for r in registry.views.query("SELECT DISTINCT level FROM certificates")}
    assert levels == {1, 2, 3, 4, 5}
    assert {"acceptance", "review", "decision"} <= {s["step"] for s in registry.late_step_queue()}


def test_the_cli_reports_bad_rows_with_their_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD, GOOD | {"decision_date": "2026-02-30"}])
    env = {"PATH": "/usr/bin", "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite"}

    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "import", str(path), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert f"{path}:3: 认证决定日期（decision_date）应为日期 YYYY-MM-DD" in result.stderr
    assert "导入 1 条，已存在 0 条，拒绝 1 条 / 1 imported, 0 already there, 1 refused" in (
        result.stderr
    )


LEGACY = GOOD | {"decision_date": "2021-03-01", "registration_no": "CESI2021EV/IMG10003"}


def test_a_row_decided_before_the_rule_took_effect_is_refused_without_legacy(
    registry: Registry, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", [LEGACY])

    result = Importer(registry).run(read_csv(path))

    assert result.imported == 0
    assert "before CESI-SC-OD13 took effect" in result.errors[0][1]


def test_the_cli_imports_a_row_decided_before_the_rule_with_legacy(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [LEGACY])
    env = {"PATH": "/usr/bin", "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite"}

    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", "import", str(path), "--quiet", "--legacy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "1 imported, 0 already there, 0 refused" in result.stderr


def test_an_interrupted_import_run_again_stores_only_the_rows_it_had_not_reached(
    registry: Registry, tmp_path: Path
) -> None:
    rows = [
        GOOD
        | {"holder_name": f"甲{i}公司"}
        | ({"registration_no": f"CESI2026EV/IMG1{i:04d}"} if i % 2 else {})
        for i in range(1, 9)
    ]
    Importer(registry).run(read_csv(write_csv(tmp_path / "first.csv", rows[:5])))  # then killed

    again = Importer(registry).run(read_csv(write_csv(tmp_path / "all.csv", rows)))

    assert (again.imported, again.skipped, again.errors) == (3, 5, [])
    facts = [registry.certificates.facts(r) for r in registrations(registry)]
    names = {f["holder"]["name"] for f in facts if f is not None}
    assert len(registrations(registry)) == 8
    assert names == {f"甲{i}公司" for i in range(1, 9)}


def test_a_number_twice_in_one_batch_keeps_every_other_row(
    registry: Registry, tmp_path: Path
) -> None:
    twice = GOOD | {"registration_no": "CESI2026EV/IMG10050"}
    path = write_csv(tmp_path / "in.csv", [GOOD, twice, GOOD | {"holder_name": "乙公司"}, twice])

    result = Importer(registry).run(read_csv(path))

    assert (result.imported, result.skipped, result.errors) == (3, 1, [])
    assert len(registrations(registry)) == 3
    for registration in registrations(registry):
        assert registry.verify(number=registration)["status"] == "valid"
