"""A varied history written straight to the store, for the read-side tests."""

from datetime import date, timedelta
from typing import Any

from registry.aggregates.certificate import Certificate
from registry.aggregates.chain import Stamp
from registry.application import Registry
from registry.rules.numbers import registration_no
from tests.examples import EVALUATIONS, HOLDER, NOW, SITES

STAMP = Stamp("registrar-history", NOW)


def build_history(registry: Registry, count: int) -> None:
    """`count` certificates of 2026; every third suspended, some restored, narrowed, revoked."""
    for n in range(1, count + 1):
        decided = date(2026, 1, 1) + timedelta(days=n % 120)
        cert = Certificate.issue(
            registration_no=registration_no(2026, n),
            holder={**HOLDER, "name": f"{HOLDER['name'][:-4]}{n}号有限公司"},
            level=3,
            sites=SITES,
            decision_date=decided,
            issue_date=None,
            person_days=5,
            evaluation=EVALUATIONS[3],
            stamp=STAMP,
        )
        later = decided + timedelta(days=30)
        if n % 3 == 0:
            cert.suspend(reason="b", details=f"第{n}号", effective_date=later, stamp=STAMP)
            if n % 2 == 0:
                cert.restore(
                    effective_date=later + timedelta(days=20), verification_ref="VR", stamp=STAMP
                )
        if n % 5 == 0 and cert.status == "valid":
            cert.narrow_scope(
                reason="b",
                remove_sites=[str(SITES[1]["address"])],
                remove_activities=[],
                approval_ref="技委",
                effective_date=later + timedelta(days=40),
                stamp=STAMP,
            )
        if n % 7 == 0 and cert.status == "valid":
            cert.revoke(
                reason="k",
                details="主动要求",
                effective_date=later + timedelta(days=50),
                stamp=STAMP,
            )
        registry.save(cert)


def dump(registry: Registry) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row, in a stable order."""
    tables = {
        "certificates": "registration_no",
        "certificate_numbers": "number",
        "regulator_feed": "position",
        "audit_events": "position",
    }
    return {
        table: registry.views.query(f"SELECT * FROM {table} ORDER BY {key}")
        for table, key in tables.items()
    }
