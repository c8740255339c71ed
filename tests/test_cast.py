"""Given/expect: how cell text is read, for each kind of column."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config.contract import Column
from pipeline.stages.cast import (
    clean_text,
    parse_codes,
    parse_dates,
    parse_integers,
    parse_number_in_text,
    parse_quarters,
    parse_yesno,
)

DATES = [
    ("2024-10-03 00:00:00", "2024-10-03"),  # a real Excel date cell
    ("2024-10-03", "2024-10-03"),
    ("03/10/2024", "2024-10-03"),  # UK text date: 3 October, never 10 March
    ("3/10/24", "2024-10-03"),
    ("03-10-2024", "2024-10-03"),
    ("3 Oct 2024", "2024-10-03"),
    ("03/10/2024 14:30", "2024-10-03"),
    ("45568", "2024-10-03"),  # an Excel serial number typed as a number
    ("31/02/2025", None),  # no such day
    ("not known", None),
    ("#N/A", None),
    ("", None),
    ("2024", "1905-07-16"),  # read as a serial, then refused by the date window
]


@pytest.mark.parametrize(("given", "expect"), DATES)
def test_dates(given: str, expect: str | None) -> None:
    got = parse_dates(clean_text(pd.Series([given], dtype="object")))[0]
    assert (pd.isna(got) and expect is None) or got == pd.Timestamp(expect)


MONTHS = [("Oct-2024", "2024-10-01"), ("October 2024", "2024-10-01"), ("Oct 24", "2024-10-01"),
          ("2024-10-17 00:00:00", "2024-10-01"), ("17/10/2024", "2024-10-01"), ("10/2024", "2024-10-01"),
          ("Smarch 2024", None)]


@pytest.mark.parametrize(("given", "expect"), MONTHS)
def test_months(given: str, expect: str | None) -> None:
    got = parse_dates(clean_text(pd.Series([given], dtype="object")), months=True)[0]
    assert (pd.isna(got) and expect is None) or got == pd.Timestamp(expect)


@pytest.mark.parametrize(("given", "expect"), [
    ("12", 12), (" 12 ", 12), ("12.0", 12), ("1,234", 1234), ("2.5", None), ("twelve", None), ("#N/A", None), ("-3", -3)])
def test_integers_stored_as_text(given: str, expect: int | None) -> None:
    got = parse_integers(clean_text(pd.Series([given], dtype="object")))[0]
    assert (pd.isna(got) and expect is None) or got == expect


@pytest.mark.parametrize(("given", "expect"), [
    ("Y", True), ("yes", True), ("TRUE", True), ("a) Yes", True), ("1", True),
    ("N", False), ("No", False), ("false", False), ("b) No", False), ("0", False), ("maybe", None)])
def test_yes_no(given: str, expect: bool | None) -> None:
    got = parse_yesno(clean_text(pd.Series([given], dtype="object")))[0]
    assert (pd.isna(got) and expect is None) or (expect is not None and bool(got) == expect)


RISK = Column(header="Risk level", type="code", values=["Low", "Medium", "High"], synonyms={"med": "Medium"})


@pytest.mark.parametrize(("given", "expect"), [
    ("High", "High"), ("high", "High"), ("  HIGH ", "High"), ("b) Medium", "Medium"), ("med", "Medium"),
    ("Med.", "Medium"), ("Severe", "Severe")])  # unknown values keep their text so the check can name them
def test_codes(given: str, expect: str) -> None:
    assert parse_codes(clean_text(pd.Series([given], dtype="object")), RISK)[0] == expect


@pytest.mark.parametrize(("given", "expect"), [
    ("Q3 2024/25", "Q3 2024/25"), ("q3 2024-25", "Q3 2024/25"), ("2024/25 Q3", "Q3 2024/25"),
    ("Q3 24/25", "Q3 2024/25"), ("Q1 2025/26", "Q1 2025/26"), ("Q2 2025/27", None), ("Q5 2024/25", None)])
def test_quarters(given: str, expect: str | None) -> None:
    got = parse_quarters(clean_text(pd.Series([given], dtype="object")))[0]
    assert (pd.isna(got) and expect is None) or got == expect


@pytest.mark.parametrize(("given", "expect"), [("1", 1), ("OC1", 1), ("1 - Charged/summonsed", 1), ("Outcome 16", 16),
                                               ("Objective 2", 2), ("charged", None)])
def test_number_in_text(given: str, expect: int | None) -> None:
    got = parse_number_in_text(clean_text(pd.Series([given], dtype="object")))[0]
    assert (pd.isna(got) and expect is None) or got == expect


def test_non_breaking_spaces_and_error_strings_are_blank() -> None:
    got = clean_text(pd.Series(["\u00a0", "#N/A", "NULL", " x\u00a0"], dtype="object"))
    assert got.isna().tolist() == [True, True, True, False]
    assert got[3] == "x"
