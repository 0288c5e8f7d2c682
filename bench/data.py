"""Synthetic certificates: deterministic rows, an import CSV, and a registry built directly.

Certificate i has the number CESI{1900 + i // 9999}EV/IMG1{i % 9999 + 1:04d} (year = decision
year, at most 9999 a year), so any count up to ~1.2 million fits in past years.
"""

import csv
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PER_YEAR = 9999
EVENTS = (2, 5)  # a certificate's events: issue and lapse, or a long history (BENCH_EVENTS)
FIRST_YEAR = 1900
BEIJING = ZoneInfo("Asia/Shanghai")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # registry.rules.uscc.CHARSET
EVALUATION = {  # level -> (not met, partially met, fully met): §5.3.5 Table 1, at most 104
    1: (3, 30, 60),
    2: (2, 10, 51),
    3: (1, 19, 84),
    4: (0, 15, 89),
    5: (0, 9, 95),
}
FIVE, EIGHT = "1,5,6,7,8", "1,2,3,4,5,6,7,8"  # the function modules of Table 1
PERSON_DAYS = {1: 4.0, 2: 4.0, 3: 5.0, 4: 5.0, 5: 6.0}
CITIES = ["广东省深圳市", "浙江省杭州市", "江苏省苏州市", "山东省青岛市", "四川省成都市"]


IN_FORCE = 1000  # the first certificates, decided last year, are still valid: the QR
# endpoints print only certificates in force (an expired one answers 410)
RECENT_YEAR = datetime.now(BEIJING).year - 1  # its surveillance is due by the end of this year


def decided_on(i: int) -> date:
    """Certificate i's decision date: last year for the first IN_FORCE, else from 1900 on."""
    if i < IN_FORCE:  # January to June: a long history's last step (+90 days) is past too
        return date(RECENT_YEAR, i % 6 + 1, i % 28 + 1)
    return date(FIRST_YEAR + i // PER_YEAR, i % 12 + 1, i % 28 + 1)


def number(i: int) -> str:
    """Certificate i's registration number (bench/load.lua makes the same)."""
    if i < IN_FORCE:
        return f"CESI{RECENT_YEAR:04d}EV/IMG1{i + 1:04d}"
    return f"CESI{FIRST_YEAR + i // PER_YEAR:04d}EV/IMG1{i % PER_YEAR + 1:04d}"


def numbers_args(count: int, template: str) -> list[str]:
    """bench/load.lua's arguments for GET `template` with random numbers of `count`."""
    return ["numbers", str(count), template, str(IN_FORCE), str(RECENT_YEAR)]


def uscc(i: int) -> str:
    body = "91440300"
    for _ in range(9):
        body += CHARSET[i % 31]
        i //= 31
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(CHARSET.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + CHARSET[(31 - total % 31) % 31]


def row(i: int) -> dict[str, str]:
    """Import-CSV row of certificate i (registry/importer.py COLUMNS)."""
    level = i % 5 + 1
    not_met, partially_met, fully_met = EVALUATION[level]
    decided = decided_on(i)
    address = f"{CITIES[i % len(CITIES)]}科技园路{i % 997 + 1}号"
    sites = [{"address": address, "activities": ["全屋定制家具的设计与交付", "定制家具安装服务"]}]
    return {
        "registration_no": number(i),
        "holder_name": f"深圳市华创定制家居科技有限公司第{i}分公司",
        "uscc": uscc(i),
        "address": address,
        "level": str(level),
        "decision_date": decided.isoformat(),
        "person_days": str(PERSON_DAYS[level]),
        "not_met": str(not_met),
        "partially_met": str(partially_met),
        "fully_met": str(fully_met),
        "functions_met": FIVE if level <= 2 else EIGHT,
        "platform_met": "true",
        "report_ref": f"TR-{decided.year}-{i % PER_YEAR:04d}",
        "sites": json.dumps(sites, ensure_ascii=False),
    }


def issue_arguments(i: int) -> dict[str, Any]:
    """Certificate i as the arguments of `Certificate.issue` (the same facts as `row(i)`)."""
    r = row(i)
    return {
        "registration_no": r["registration_no"],
        "holder": {"name": r["holder_name"], "uscc": r["uscc"], "address": r["address"]},
        "level": int(r["level"]),
        "sites": json.loads(r["sites"]),
        "decision_date": date.fromisoformat(r["decision_date"]),
        "issue_date": None,
        "person_days": float(r["person_days"]),
        "evaluation": {
            "not_met": int(r["not_met"]),
            "partially_met": int(r["partially_met"]),
            "fully_met": int(r["fully_met"]),
            "functions_met": r["functions_met"].split(","),
            "platform_met": True,
            "report_ref": r["report_ref"],
        },
        "legacy": True,  # most decisions are from 1900: older than the rule
    }


def rows(count: int) -> Iterator[dict[str, str]]:
    return (row(i) for i in range(count))


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row(0)))
        writer.writeheader()
        writer.writerows(rows(count))
    return path


def history(i: int, decided: date) -> list[tuple[str, dict[str, Any]]]:
    """The commands between issue and lapse that give certificate i five events: a holder
    change (a re-issue), a suspension and its restoration, within the first validity."""
    day = [decided + timedelta(days=n) for n in (30, 60, 90)]
    renamed = f"深圳市华创定制家居有限公司第{i}分公司"
    return [
        ("change_holder", {"name": renamed, "effective_date": day[0]}),
        ("suspend", {"reason": "b", "details": "未按规定使用认证标志", "effective_date": day[1]}),
        ("restore", {"effective_date": day[2], "verification_ref": f"VR-{i}"}),
    ]


def build(database_url: str, count: int, batch: int = 200, events: int = 2) -> float:
    """A registry of `count` certificates saved directly (`Certificate.issue` + one
    `registry.save` per batch), each lapse recorded as the sweeper would (so a server
    starting on it has nothing to sweep), then projected. With `events` 5, each has a
    history between (`history`). Returns the seconds taken."""
    if events not in EVENTS:
        raise ValueError(f"BENCH_EVENTS is one of {EVENTS}, not {events}")
    from registry.aggregates.certificate import Certificate
    from registry.aggregates.chain import Stamp
    from registry.application import open_registry
    from registry.settings import Settings

    started = time.perf_counter()
    with open_registry(Settings(database_url=database_url, projector="external")) as registry:
        today = registry.today()
        pending: list[Certificate] = []
        for i in range(count):
            stamp = Stamp("bench", datetime.now(UTC))
            arguments = issue_arguments(i)
            cert = Certificate.issue(**arguments, stamp=stamp)
            for command, fields in history(i, arguments["decision_date"]) if events == 5 else []:
                cert.run(command, fields, stamp)  # type: ignore[arg-type]
            cert.record_lapse(as_of=today, stamp=stamp)
            pending.append(cert)
            if len(pending) >= batch:
                registry.save(*pending)
                pending = []
        if pending:
            registry.save(*pending)
        registry.projector.catch_up()
    return time.perf_counter() - started


if __name__ == "__main__":  # python -m bench.data DATABASE_URL COUNT (BENCH_EVENTS: 2 or 5)
    seconds = build(sys.argv[1], int(sys.argv[2]), events=int(os.environ.get("BENCH_EVENTS", "2")))
    print(json.dumps({"seconds": seconds}))
