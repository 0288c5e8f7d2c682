"""A realistic demo data set: a few hundred certificates across the levels, with surveillance,
narrowings, suspensions, revocations and cancellations, made as import rows (one code path)."""

import json
import random
from datetime import date, timedelta

from registry.rules.clauses import clause_ids
from registry.rules.dates import last_day_of_period
from registry.rules.levels import (
    INITIAL_PERSON_DAYS,
    REQUIRED_FUNCTIONS,
    SURVEILLANCE_PERSON_DAYS,
    TABLE_1,
)
from registry.rules.lifecycle import VALIDITY_MONTHS, Status
from registry.rules.uscc import CHARSET, check_character
from registry.rules.values import SiteDoc

HistoryStep = dict[str, object]  # a command of the importer's `history` column, as JSON

CITIES = [
    ("广东省深圳市", "440300"),
    ("广东省广州市", "440100"),
    ("浙江省杭州市", "330100"),
    ("江苏省苏州市", "320500"),
    ("山东省青岛市", "370200"),
    ("上海市浦东新区", "310115"),
    ("北京市海淀区", "110108"),
    ("四川省成都市", "510100"),
    ("湖北省武汉市", "420100"),
    ("福建省厦门市", "350200"),
]
BRANDS = [
    "华创",
    "锦程",
    "恒达",
    "智造",
    "云织",
    "博雅",
    "嘉禾",
    "鼎新",
    "优品",
    "天工",
    "聚能",
    "新元",
]
TRADES = [
    ("定制家居", ["全屋定制家具的设计与交付", "定制橱柜生产制造", "定制家具安装服务"]),
    ("服装", ["个性化服装定制设计", "服装柔性生产制造", "定制服装物流配送"]),
    ("家电", ["个性化家电定制服务", "家电模块化生产", "家电售后服务"]),
    ("汽车", ["汽车个性化选装配置服务", "定制车辆生产制造", "定制车辆交付服务"]),
    ("鞋业", ["定制鞋履设计服务", "鞋履柔性生产制造"]),
    ("门窗", ["定制门窗设计与生产", "门窗安装与售后服务"]),
]
# §6 g: the English certificate some holders have, with their scope in English.
ACTIVITIES_EN = {
    "全屋定制家具的设计与交付": "Design and delivery of whole-house custom furniture",
    "定制橱柜生产制造": "Manufacture of custom cabinets",
    "定制家具安装服务": "Installation of custom furniture",
    "个性化服装定制设计": "Personalized garment design",
    "服装柔性生产制造": "Flexible garment manufacture",
    "定制服装物流配送": "Logistics and delivery of custom garments",
    "个性化家电定制服务": "Personalized home appliance customization",
    "家电模块化生产": "Modular home appliance production",
    "家电售后服务": "After-sales service of home appliances",
    "汽车个性化选装配置服务": "Personalized vehicle option configuration",
    "定制车辆生产制造": "Manufacture of custom vehicles",
    "定制车辆交付服务": "Delivery of custom vehicles",
    "定制鞋履设计服务": "Custom footwear design",
    "鞋履柔性生产制造": "Flexible footwear manufacture",
    "定制门窗设计与生产": "Design and production of custom doors and windows",
    "门窗安装与售后服务": "Installation and after-sales service of doors and windows",
}
STREETS = ["科技园路", "工业大道", "创新路", "高新四路", "智造大街", "滨江路"]
LEVEL_WEIGHTS = [(1, 10), (2, 25), (3, 35), (4, 20), (5, 10)]


def demo_rows(today: date, count: int = 300, seed: int = 2026) -> list[dict[str, str]]:
    rng = random.Random(seed)
    clauses = sorted(clause_ids())
    half = len(clauses) // 2
    rows = []
    for n in range(count):
        city, region = rng.choice(CITIES)
        trade, activities = rng.choice(TRADES)
        level = rng.choices([lv for lv, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS])[0]
        decided = today - timedelta(days=rng.randint(20, 1250))
        sites: list[SiteDoc] = [
            {
                "address": f"{city}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                "activities": rng.sample(activities, rng.randint(1, len(activities))),
            }
            for _ in range(rng.choice([1, 1, 2, 3]))
        ]
        sites = list({s["address"]: s for s in sites}.values())
        english = n % 6 == 0
        if english:
            for site in sites:
                site["activities_en"] = [ACTIVITIES_EN[a] for a in site["activities"]]
        history: list[HistoryStep] = []
        last = decided
        surveyed: date | None = None  # the cycle's second surveillance
        if len(sites) > 1 and n % 4 == 1:  # §6 a: its first site on a sub-certificate
            history.append(
                {
                    "command": "issue_sub_certificate",
                    "sites": [sites[0]["address"]],
                    "effective_date": (decided + timedelta(days=10)).isoformat(),
                }
            )
            last = decided + timedelta(days=10)
        first = decided + timedelta(days=rng.randint(250, 350))
        if first <= today:
            history.append(_surveillance(first, level, clauses[: half + 1], True))
            history[-1] |= {  # §5.3.2, §5.5.3: who surveyed, where, and what
                "team": {
                    "auditors": [{"name": "王审查", "days": SURVEILLANCE_PERSON_DAYS[level]}],
                    "technical_experts": ["张专家"],
                    "observers": [],
                },
                "sites_sampled": [str(site["address"]) for site in sites],
                "content_items": ["1", "2", "3", "4", "5", "6", "7"],
            }
            if n % 8 == 3:  # §5.5.3 (3): the characteristic evaluation's own results
                history[-1]["evaluation"] = _surveillance_evaluation(level, first)
            last = first
            closed = first + timedelta(days=15)
            if n % 10 == 5 and closed <= today:  # §5.5.4: found, then its correction verified
                _find_nonconformity(history[-1], f"NC-{first.year}-{n:04d}", first)
                history.append(
                    {
                        "command": "verify_corrective_action",
                        "nonconformity_id": f"NC-{first.year}-{n:04d}",
                        "effective_date": closed.isoformat(),
                        "evidence_ref": f"CA-{first.year}-{n:04d}",
                    }
                )
                last = closed
            received = first + timedelta(days=30)
            if n % 25 == 11 and received <= today:  # §9: a complaint, acknowledged, some decided
                case = f"TS-{received.year}-{n:04d}"
                history += [
                    {
                        "command": "record_case",
                        "case_id": case,
                        # §9 a complaint; §8 a warning about misusing the certificate
                        "kind": "complaint" if n % 50 == 11 else "misuse_certificate",
                        "summary": "客户投诉定制产品交付延误"
                        if n % 50 == 11
                        else "宣传材料中将认证范围外的产品标为已认证",
                        "effective_date": received.isoformat(),
                    },
                    {
                        "command": "acknowledge_case",
                        "case_id": case,
                        "effective_date": received.isoformat(),
                    },
                ]
                last = max(last, received)
                if n % 50 == 11:
                    history.append(
                        {
                            "command": "close_case",
                            "case_id": case,
                            "decision": "投诉属实，获证组织已纠正",
                            "effective_date": received.isoformat(),
                        }
                    )
            told = first + timedelta(days=40 if n % 20 == 7 else 10)
            if n % 10 == 7 and told <= today:  # §5.5.5: a change told in time, or late
                history.append(
                    {
                        "command": "record_notification",
                        "kind": "c",
                        "what": "生产场所布局调整",
                        "occurred_on": (first + timedelta(days=3)).isoformat(),
                        "effective_date": told.isoformat(),
                    }
                )
                last = told
            second = date(first.year + 1, rng.randint(2, 10), 15)
            if second <= today and second < decided + timedelta(days=1090):
                history.append(_surveillance(second, level, clauses[half:], False))
                last = surveyed = second
        if len(sites) > 1 and rng.random() < 0.3:
            narrowed = last + timedelta(days=rng.randint(5, 60))
            if narrowed <= today and narrowed < decided + timedelta(days=1090):
                history.append(
                    {
                        "command": "narrow_scope",
                        "reason": rng.choice("ab"),
                        "remove_sites": [sites[-1]["address"]],
                        "remove_activities": [],
                        "approval_ref": f"技委〔{narrowed.year}〕{n}号",
                        "effective_date": narrowed.isoformat(),
                    }
                )
                last = narrowed
        paused, resumed = last + timedelta(days=7), last + timedelta(days=40)
        if n % 12 == 5 and resumed <= today and resumed < decided + timedelta(days=1090):
            history += [  # §6.3.1.3: a shorter period set by CESI, then restored in it
                {
                    "command": "suspend",
                    "reason": "g",
                    "details": "获证组织主动请求暂停",
                    "effective_date": paused.isoformat(),
                    "restore_deadline": (paused + timedelta(days=60)).isoformat(),
                },
                {
                    "command": "restore",
                    "effective_date": resumed.isoformat(),
                    "verification_ref": f"VR-{resumed.year}-{n:04d}",
                },
            ]
            last = resumed
        # §5.6, §6.1: recertified five months before expiry, its surveillances all recorded
        recertified = last_day_of_period(decided, months=VALIDITY_MONTHS) - timedelta(days=150)
        if (
            n % 3 == 0
            and surveyed is not None
            and last < recertified <= min(today, date(surveyed.year + 1, 12, 31))
        ):
            history.append(
                {
                    "command": "recertify",
                    "decision_date": recertified.isoformat(),
                    "person_days": INITIAL_PERSON_DAYS[level],
                    "evaluation": _surveillance_evaluation(level, recertified),
                    "signatory": "陈签发",
                }
            )
            last = recertified
        row: dict[str, str] = {
            "holder_name": f"{city[:-1].split('省')[-1]}{rng.choice(BRANDS)}{trade}科技有限公司",
            "holder_name_en": f"CESI Demo Holder {n + 1:04d} Co., Ltd." if english else "",
            "uscc": _uscc(rng, region),
            "address": str(sites[0]["address"]),
            "level": str(level),
            "decision_date": decided.isoformat(),
            "signatory": "陈签发",
            # §5.2, §5.7: applied and accepted before the decision; every 15th decided late,
            # and another accepted late
            "application_date": (
                decided - timedelta(days={4: 110, 11: 80}.get(n % 15, 70))
            ).isoformat(),
            "acceptance_date": (decided - timedelta(days=106 if n % 15 == 4 else 66)).isoformat(),
            # §5.4: the evaluation papers 3 weeks before the decision; every 15th, 7 weeks
            "papers_received_date": (
                decided - timedelta(days=49 if n % 15 == 7 else 20)
            ).isoformat(),
            "person_days": str(INITIAL_PERSON_DAYS[level]),
            "sites": json.dumps(sites, ensure_ascii=False),
            "history": json.dumps(history, ensure_ascii=False),
            **_evaluation(rng, level),
            **_status(rng, last, today, decided),
        }
        if row.get("reason") == "h":
            _overdue_before(history, row, n)
            row["history"] = json.dumps(history, ensure_ascii=False)
        demanded = last + timedelta(days=5)
        revoked = demanded + timedelta(days=70)  # past the two months of §6.3.2.1 h
        in_time = revoked <= today and revoked < decided + timedelta(days=1090)
        if n % 40 == 13 and row["status"] == Status.VALID and in_time:
            history.append(
                {
                    "command": "revoke",
                    "reason": "h",
                    "details": "要求纠正错误宣传超过 2 个月仍未纠正",
                    "effective_date": revoked.isoformat(),
                    "demand_date": demanded.isoformat(),
                }
            )
            row["history"] = json.dumps(history, ensure_ascii=False)
        rows.append(row)
    return rows


def _surveillance(day: date, level: int, clauses: list[str], characteristic: bool) -> HistoryStep:
    return {
        "command": "surveil",
        "date": day.isoformat(),
        "person_days": SURVEILLANCE_PERSON_DAYS[level],
        "management_audit": True,
        "characteristic_evaluation": characteristic,
        "clauses": clauses,
        "outcome": "conforming",
        "corrective_deadline": None,
        "report_ref": f"SR-{day.isoformat()}",
    }


def _surveillance_evaluation(level: int, day: date) -> dict[str, object]:
    """A surveillance's characteristic evaluation that still supports `level` (§5.5.3 (3))."""
    evaluation: dict[str, object] = {
        "functions_met": sorted(REQUIRED_FUNCTIONS[level]),
        "platform_met": True,
        "report_ref": f"TR-{day.isoformat()}",
    }
    thresholds = TABLE_1[level]
    if thresholds is not None:
        evaluation |= {
            "not_met": thresholds.not_met_max,
            "partially_met": 0,
            "fully_met": thresholds.fully_met_min,
        }
    return evaluation


def _evaluation(rng: random.Random, level: int) -> dict[str, str]:
    """An evaluation that supports `level` (§5.3.5 Table 1), over at most the catalogue."""
    modules = {"functions_met": ",".join(sorted(REQUIRED_FUNCTIONS[level])), "platform_met": "true"}
    thresholds = TABLE_1[level]
    report = {"report_ref": f"TR-{rng.randint(1000, 9999)}"}
    if thresholds is None:
        return modules | report
    fully = thresholds.fully_met_min + rng.randint(0, 5)
    not_met = rng.randint(0, thresholds.not_met_max)
    partially = rng.randint(
        0, min(thresholds.partially_met_max, len(clause_ids()) - fully - not_met)
    )
    return (
        modules
        | report
        | {
            "not_met": str(not_met),
            "partially_met": str(partially),
            "fully_met": str(fully),
        }
    )


def _find_nonconformity(step: HistoryStep, ident: str, day: date) -> None:
    """Turn a surveillance step into a nonconforming one with one nonconformity, due the next
    day (§5.5.4)."""
    deadline = (day + timedelta(days=1)).isoformat()
    step["outcome"] = "nonconforming"
    step["corrective_deadline"] = deadline
    step["nonconformities"] = [
        {
            "id": ident,
            "clause": "B.8.03",
            "description": "售后投诉处理记录不完整",
            "deadline": deadline,
        }
    ]


def _overdue_before(history: list[HistoryStep], row: dict[str, str], n: int) -> None:
    """A suspension for reason h needs a nonconformity overdue by then (§6.3.1.1 h): the last
    surveillance finds one; when none can be overdue in time, the reason is b instead."""
    surveilled = [s for s in history if s["command"] == "surveil" and not s.get("nonconformities")]
    suspended = date.fromisoformat(row["status_date"])
    if (
        surveilled
        and date.fromisoformat(str(surveilled[-1]["date"])) + timedelta(days=1) < suspended
    ):
        step = surveilled[-1]
        _find_nonconformity(
            step, f"NC-{str(step['date'])[:4]}-{n:04d}", date.fromisoformat(str(step["date"]))
        )
    else:
        row["reason"] = "b"


def _status(rng: random.Random, last: date, today: date, decided: date) -> dict[str, str]:
    roll = rng.random()
    lapse = decided + timedelta(days=1090)
    day = last + timedelta(days=rng.randint(1, 120))
    if day > today or day >= lapse:
        return {"status": Status.VALID.value}
    if roll < 0.08:
        return {
            "status": Status.SUSPENDED.value,
            "status_date": day.isoformat(),
            "reason": rng.choice("abcgh"),
            "details": "监督发现服务持续不满足认证要求",
        }
    if roll < 0.13:
        return {
            "status": Status.REVOKED.value,
            "status_date": day.isoformat(),
            "reason": rng.choice("gk"),
            "details": "获证组织停止运行相关服务",
        }
    if roll < 0.16:
        return {
            "status": Status.CANCELLED.value,
            "status_date": day.isoformat(),
            "details": "注销申请",
        }
    return {"status": Status.VALID.value}


def _uscc(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice(CHARSET) for _ in range(9))
    return body + check_character(body)
