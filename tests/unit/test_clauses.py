import pytest

from registry.errors import InvalidInput
from registry.rules.clauses import catalogue, check_clauses, function_names, platform_name


def test_catalogue_holds_appendix_a_and_b_with_unique_ids() -> None:
    ids = [c.id for c in catalogue()]

    assert len(ids) == len(set(ids))
    assert {c.appendix for c in catalogue()} == {"A", "B"}
    assert sum(c.appendix == "A" for c in catalogue()) == 53
    assert sum(c.appendix == "B" for c in catalogue()) == 51


def test_catalogue_ids_are_stable() -> None:
    first = catalogue()[0]

    assert (first.id, first.function) == ("A.1.01", "①需求识别")
    assert first.text.startswith("b) 通过筛选、匹配等机制")


def test_unknown_clause_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown clause"):
        check_clauses(["A.1.01", "Z.9.99"])


def test_repeated_clause_is_refused() -> None:
    with pytest.raises(InvalidInput, match="twice"):
        check_clauses(["A.1.01", "A.1.01"])


def test_the_function_modules_are_named_as_the_appendices_name_them() -> None:
    assert function_names() == {
        "1": "①需求识别",
        "2": "②需求评估",
        "3": "③研发设计",
        "4": "④采购",
        "5": "⑤营销服务",
        "6": "⑥生产制造",
        "7": "⑦物流配送",
        "8": "⑧售后服务",
    }
    assert platform_name() == "交互平台"
