import pytest

from registry.errors import InvalidInput
from registry.rules.numbers import (
    CertificateRef,
    certificate_no,
    oid,
    parse_number,
    parse_oid,
    registration_no,
    sub_certificate_no,
)


def test_registration_number_has_the_year_and_four_digit_sequence() -> None:
    assert registration_no(2026, 7) == "CESI2026EV/IMG10007"


def test_printed_number_adds_the_two_digit_revision() -> None:
    assert certificate_no("CESI2026EV/IMG10007", 0) == "CESI2026EV/IMG10007R00"


def test_oid_prefixes_the_printed_number() -> None:
    assert oid("CESI2026EV/IMG10007R01") == "1.2.156.1.2.CESI2026EV/IMG10007R01"


def test_parsing_a_printed_number_gives_the_registration_and_revision() -> None:
    assert parse_number(" cesi2026ev/img10007r01 ") == CertificateRef("CESI2026EV/IMG10007", 1)


def test_parsing_a_registration_number_has_no_revision() -> None:
    assert parse_number("CESI2026EV/IMG10007") == CertificateRef("CESI2026EV/IMG10007", None)


def test_oid_is_accepted_with_or_without_the_printed_blank() -> None:
    expected = CertificateRef("CESI2026EV/IMG10007", 0)

    assert parse_oid("1.2.156.1.2. CESI2026EV/IMG10007R00") == expected
    assert parse_oid("1.2.156.1.2.CESI2026EV/IMG10007R00") == expected


@pytest.mark.parametrize(
    "text",
    ["", "CESI2026EV/IMG1007", "CESI2026EV/IMG20007", "../etc/passwd", "CESI2026EV/IMG10007R1"],
)
def test_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_number(text)


def test_sequence_past_9999_is_refused() -> None:
    with pytest.raises(InvalidInput, match="exhausted"):
        registration_no(2026, 10000)


def test_a_sub_certificate_number_is_the_masters_with_an_s_suffix() -> None:
    assert sub_certificate_no("CESI2026EV/IMG10007", 1, 2) == "CESI2026EV/IMG10007R01-S02"


def test_parsing_a_sub_certificate_number_gives_its_revision_and_sub() -> None:
    assert parse_number("cesi2026ev/img10007r01-s02") == CertificateRef("CESI2026EV/IMG10007", 1, 2)


def test_an_oid_of_a_sub_certificate_is_accepted() -> None:
    assert parse_oid("1.2.156.1.2. CESI2026EV/IMG10007R00-S01") == CertificateRef(
        "CESI2026EV/IMG10007", 0, 1
    )


@pytest.mark.parametrize(
    "text",
    ["CESI2026EV/IMG10007R00-S00", "CESI2026EV/IMG10007-S01", "CESI2026EV/IMG10007R00-S1"],
)
def test_malformed_sub_certificate_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_number(text)
