"""Counted once: the same file twice, the same records in two files, and two figures for one month."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.quarters import parse_label
from tests.conftest import TODAY, check, copy_demo_inputs, messages, write_xlsx

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process

Q3 = parse_label("Q3 2024/25")
PERIOD = ["Period covered: 01/10/2024 to 31/12/2024"]
ENGAGEMENT = ["Date", "Activity", "Lead agency"]
STOVEWOOD = ["Month", "New sub-operations", "Arrests", "Prosecutions", "Convictions"]
CRIMES = ["Crime reference", "Date recorded", "Exploitation type", "Outcome type", "Outcome date"]
AUDITS = ["Audit date", "Commissioned service", "Level achieved"]


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "inputs"
    copy_demo_inputs(folder)
    return folder


def _scorecard(path: Path) -> dict[str, dict[str, object]]:
    rows = list(openpyxl.load_workbook(path)["Scorecard"].iter_rows(values_only=True))
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:] if r and r[0]}


def _training_q3(path: Path) -> int:
    """Staff on child exploitation courses in Q3 2024/25, added up from the sheet as a person would."""
    rows = list(openpyxl.load_workbook(path, data_only=True)["Training"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "DATE OF COURSE")
    at = {name: i for i, name in enumerate(rows[head])}
    courses = {"CE e-learning level 1", "CE e-learning level 2", "CE e-learning level 3", "CE face-to-face"}
    return sum(int(r[at["NUMBER ATTENDING"]]) for r in rows[head + 1:]
               if r[0] and datetime(2024, 10, 1) <= r[0] <= datetime(2024, 12, 31) and r[at["COURSE"]] in courses)


def test_the_same_file_twice_is_read_once_and_both_names_are_shown(tmp_path, demo_inputs, capsys):
    folder = tmp_path / "inputs"
    shutil.copytree(demo_inputs, folder)
    original = folder / "Partnership return – Q2 2025-26.xlsx"
    shutil.copy(original, folder / "Partnership return (copy from Downloads).xlsx")
    outputs = tmp_path / "outputs"
    assert main(["--inputs", str(folder), "--outputs", str(outputs), "--today", TODAY.isoformat()]) == 3
    said = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    # The copy sorts first ("(" before "–"), so it is the one read; the other is named as its twin
    assert ("WARNING Partnership return – Q2 2025-26.xlsx: not read; it is the same file as Partnership return "
            "(copy from Downloads).xlsx (identical contents)") in said
    card = _scorecard(outputs / "CE scorecard Q2 2025-26.xlsx")
    assert card["1.4"]["Q3 2024/25"] == _training_q3(original)  # counted once, not doubled
    sources = {r[0]: r for r in openpyxl.load_workbook(outputs / "CE scorecard Q2 2025-26 (officer checks).xlsx")["Sources"]
               .iter_rows(min_row=2, values_only=True) if r[0]}
    assert sources["Partnership return – Q2 2025-26.xlsx"][1] == \
        "Not read: the same file as Partnership return (copy from Downloads).xlsx"
    assert sources["Partnership return (copy from Downloads).xlsx"][1].startswith("Training attendance")


def test_rows_sent_in_two_files_are_counted_once_with_a_warning_naming_both(tmp_path, contract):
    rows = [["05/10/2024", "Stall at the market", "Police"], ["06/11/2024", "School assembly", "Education"],
            ["07/12/2024", "Parents' evening", "Health"]]
    write_xlsx(tmp_path / "a.xlsx", {"Community engagement": [PERIOD, [], ENGAGEMENT, *rows]})
    # A colleague's copy, saved again (other bytes), with one more activity of its own
    write_xlsx(tmp_path / "b.xlsx", {"Engagement log": [PERIOD, [], ENGAGEMENT, rows[2], rows[0],
                                                        ["20/12/2024", "Youth club visit", "Police"]]})
    result = check(tmp_path, contract)
    frame = result.checked.frames["engagement"]
    assert len(frame) == 4  # 3 + 3 rows, two of them the same: 4 activities
    warned = [m for m in messages(result, "warning") if "counted once" in m]
    assert warned == ["b.xlsx, sheet 'Engagement log', rows 4-5: the same records (Community awareness and engagement "
                      "activities) are in a.xlsx, sheet 'Community engagement' (rows 4, 6), so they were counted "
                      "once. If one of the two files is an old copy, take it out of the inputs folder."]


def test_a_row_one_file_holds_twice_is_not_lost_to_a_partial_copy(tmp_path, contract):
    guardian = ["10/12/2024", "Independent child trafficking guardian service", "Achieved"]
    trusted = ["11/12/2024", "Trusted relationships project", "Good"]
    # Two audits of the guardian service on one day (the demo's own return has such a pair) and one more
    write_xlsx(tmp_path / "b.xlsx", {"Commissioned service audits": [PERIOD, [], AUDITS, guardian, guardian, trusted]})
    # A note someone saved with one of the two: "a.xlsx" sorts first, yet it holds the row only once
    write_xlsx(tmp_path / "a.xlsx", {"Commissioned service audits": [PERIOD, [], AUDITS, guardian]})
    result = check(tmp_path, contract)
    frame = result.checked.frames["commissioned_audits"]
    assert sorted(frame["audit_date"].dt.day) == [10, 10, 11]  # both audits of 10 December, and the one of the 11th
    assert [m for m in messages(result, "warning") if "counted once" in m] == [
        "a.xlsx, sheet 'Commissioned service audits', row 4: the same records (Commissioned service audits) are in "
        "b.xlsx, sheet 'Commissioned service audits' (row 4), so they were counted once. If one of the two files is "
        "an old copy, take it out of the inputs folder."]


def test_a_copy_of_a_return_with_a_row_held_twice_names_each_row_once(tmp_path, contract):
    guardian = ["10/12/2024", "Independent child trafficking guardian service", "Achieved"]
    trusted = ["11/12/2024", "Trusted relationships project", "Good"]
    rows = [PERIOD, [], AUDITS, guardian, guardian, trusted]
    write_xlsx(tmp_path / "a.xlsx", {"Commissioned service audits": rows})
    write_xlsx(tmp_path / "b.xlsx", {"Audits of services": rows})  # saved again under another sheet name: same rows
    result = check(tmp_path, contract)
    assert len(result.checked.frames["commissioned_audits"]) == 3  # a.xlsx's three audits; b.xlsx's are its copies
    assert [m for m in messages(result, "warning") if "counted once" in m] == [
        "b.xlsx, sheet 'Audits of services', rows 4-6: the same records (Commissioned service audits) are "
        "in a.xlsx, sheet 'Commissioned service audits' (rows 4-6), so they were counted once. If one of the two "
        "files is an old copy, take it out of the inputs folder."]


def test_a_record_updated_in_a_newer_extract_counts_once_from_the_newer_file(tmp_path, contract):
    old = write_xlsx(tmp_path / "crimes September.xlsx", {"Crimes": [PERIOD, [], CRIMES,
                     ["14/1/24", "02/10/2024", "CSE", None, None], ["14/2/24", "03/10/2024", "CCE", 1, "20/11/2024"]]})
    new = write_xlsx(tmp_path / "crimes December.xlsx", {"Crimes": [PERIOD, [], CRIMES,
                     ["14/1/24", "02/10/2024", "CSE", 1, "10/12/2024"], ["14/3/24", "04/10/2024", "CSE", None, None]]})
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_710_000_000, 1_710_000_000))
    result = check(tmp_path, contract)
    crimes = result.checked.frames["police_crimes"].set_index("crime_ref")
    assert sorted(crimes.index) == ["14/1/24", "14/2/24", "14/3/24"]  # 14/1/24 once
    assert crimes.at["14/1/24", "outcome_type"] == 1  # the December extract's outcome
    warned = [m for m in messages(result, "warning") if "newer file" in m]
    assert len(warned) == 1 and warned[0].startswith("crimes September.xlsx, sheet 'Crimes', row 4: the same Crime "
                                                     "reference are in crimes December.xlsx, sheet 'Crimes'")
    assert "Outcome type" in warned[0] and not result.counts["error"]


def test_the_same_month_with_two_figures_is_an_error_naming_both_cells(tmp_path, contract):
    write_xlsx(tmp_path / "Stovewood October.xlsx", {"Stovewood": [STOVEWOOD, ["Oct-2024", 1, 4, 0, 0]]})
    write_xlsx(tmp_path / "Stovewood Q3.xlsx", {"Stovewood": [STOVEWOOD, ["Oct-2024", 1, 6, 0, 0],
                                                              ["Nov-2024", 0, 2, 0, 0], ["Dec-2024", 0, 1, 0, 0]]})
    result = check(tmp_path, contract)
    errors = messages(result, "error")
    assert errors == ["Stovewood Q3.xlsx, sheet 'Stovewood', cell C2 (Arrests) has '6', but Stovewood October.xlsx, "
                      "sheet 'Stovewood', cell C2 has '4' for the same Month (Oct-2024); expected one figure for it. "
                      "Correct or delete the wrong one."]
    assert sorted(result.checked.frames["stovewood"]["month"].dt.month) == [11, 12]  # neither October row is used


def test_the_same_month_with_the_same_figures_is_counted_once(tmp_path, contract):
    months = [["Oct-2024", 1, 4, 0, 0], ["Nov-2024", 0, 2, 0, 0], ["Dec-2024", 0, 1, 0, 0]]
    write_xlsx(tmp_path / "Stovewood.xlsx", {"Stovewood": [STOVEWOOD, *months]})
    write_xlsx(tmp_path / "Stovewood again.xlsx", {"Stovewood": [STOVEWOOD, months[0]]})
    result = check(tmp_path, contract)
    assert not result.counts["error"]
    assert result.checked.frames["stovewood"]["arrests"].sum() == 4 + 2 + 1
    # "Stovewood again.xlsx" sorts first, so it is read and the other file's October row is the copy
    assert any(m.startswith("Stovewood.xlsx, sheet 'Stovewood', row 2: the same records (Operation Stovewood monthly "
                            "counts) are in Stovewood again.xlsx, sheet 'Stovewood' (row 2)") for m in messages(result))


def test_a_reference_used_twice_in_one_file_is_still_an_error(tmp_path, contract):
    write_xlsx(tmp_path / "crimes.xlsx", {"Crimes": [CRIMES, ["C1", "02/10/2024", "CSE", None, None],
                                                     ["C1", "03/10/2024", "CSE", None, None]]})
    result = check(tmp_path, contract)
    assert messages(result, "error") == ["crimes.xlsx, sheet 'Crimes', cell A3 (Crime reference) has 'C1'; expected "
                                         "a value used once only (it is already used in row 2)."]
