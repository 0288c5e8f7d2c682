"""The clause catalogue: the items of Appendix A (characteristics) and B (management)."""

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from registry.errors import InvalidInput


@dataclass(frozen=True)
class Clause:
    id: str  # "A.6.04": appendix, function (1–8, P for the platform), item; stable forever
    appendix: str
    function: str
    text: str


@cache
def catalogue() -> tuple[Clause, ...]:
    rows = json.loads(files("registry.rules").joinpath("data/clauses.json").read_text("utf-8"))
    return tuple(Clause(**row) for row in rows)


@cache
def clause_ids() -> frozenset[str]:
    return frozenset(clause.id for clause in catalogue())


@cache
def appendix_a_ids() -> frozenset[str]:
    """The clauses the characteristic evaluation assesses (§5.3.5, Appendix A)."""
    return frozenset(clause.id for clause in catalogue() if clause.appendix == "A")


def check_clauses(ids: object) -> frozenset[str]:
    """The sampled clause ids, each one of the catalogue's, none repeated."""
    if not isinstance(ids, list | tuple) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("clauses must be a list of clause ids", field="clauses")
    if len(ids) > len(clause_ids()):
        raise InvalidInput(
            f"{len(ids)} clauses given; the catalogue has {len(clause_ids())}", field="clauses"
        )
    unknown = sorted(set(ids) - clause_ids())
    if unknown:
        raise InvalidInput(
            f"unknown clause id {unknown[0][:20]!r} (see GET /api/v1/clauses)", field="clauses"
        )
    if len(set(ids)) != len(ids):
        raise InvalidInput("a clause id is listed twice", field="clauses")
    return frozenset(ids)


CIRCLED = "①②③④⑤⑥⑦⑧"  # the function modules' numbers as the rule prints them


@cache
def function_names() -> dict[str, str]:
    """The function modules ①–⑧ (§5.3.5 a) by number, named as Appendices A and B name
    them: {"1": "①需求识别", …, "8": "⑧售后服务"}."""
    named = {c.function for c in catalogue() if c.function[:1] in CIRCLED}
    return {str(CIRCLED.index(name[0]) + 1): name for name in sorted(named)}


@cache
def platform_name() -> str:
    """The interactive platform, as Appendix A names it (交互平台)."""
    return next(c.function for c in catalogue() if c.function[:1] not in CIRCLED)
