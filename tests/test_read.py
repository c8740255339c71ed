"""Reading files as people really send them: each messy pattern, one test."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime

import pandas as pd
import pytest

from pipeline.stages import grids
from tests.conftest import check, messages, write_xlsx

RISK_HEAD = ["Child reference", "Assessment date", "Exploitation type", "Risk level"]


def risk_rows() -> list[list[object]]:
    return [["CE100001", datetime(2024, 10, 3), "CSE", "High"],
            ["CE100002", datetime(2024, 11, 5), "CCE", "Medium"],
            ["CE100001", datetime(2025, 1, 9), "CSE", "Medium"]]


def training_rows() -> list[list[object]]:
    """Three courses, the agency written once beside them (merged down as B2:B4)."""
    return [["Date of course", "Agency", "Course", "Number attending"],
            [datetime(2024, 10, 1), "Police", "CE e-learning level 1", 4],
            [datetime(2024, 10, 2), None, "CE e-learning level 2", 5],
            [datetime(2024, 10, 3), None, "Lessons learned", 6]]


def test_title_rows_blank_rows_and_offset_columns_keep_excel_cells(tmp_path, contract):
    rows = [["Evolve risk assessments, extracted 06/10/2025"], [], [],
            [None, None, *RISK_HEAD]]
    rows += [[None, None, *r] for r in risk_rows()]
    rows[5][5] = "Severe"  # sheet row 6, column F
    write_xlsx(tmp_path / "in" / "evolve.xlsx", {"Risk": rows})
    result = check(tmp_path / "in", contract)
    staged = result.staged.frames["evolve_risk"]
    assert staged["_row"].tolist() == [5, 6, 7]
    loc = result.staged.locations[0]
    assert (loc.header_row, loc.letters["child_ref"], loc.letters["risk_level"]) == (4, "C", "F")
    errors = result.problems[result.problems["severity"] == "error"]
    assert errors[["file", "sheet", "cell", "column", "value"]].values.tolist() == [
        ["evolve.xlsx", "Risk", "F6", "Risk level", "Severe"]]
    assert "expected one of: Low, Medium, High" in errors["message"].iloc[0]
    assert len(result.checked.frames["evolve_risk"]) == 2  # the failing row never enters a measure


def test_renamed_and_recased_headings_match_through_aliases(tmp_path, contract):
    head = ["CHILD ID", "date of assessment", "CSE/CCE", "Level of Risk"]
    write_xlsx(tmp_path / "in" / "x.xlsx", {"Sheet1": [head, *risk_rows()]})
    result = check(tmp_path / "in", contract)
    assert result.staged.locations[0].table == "evolve_risk"
    assert result.staged.locations[0].headings["child_ref"] == "CHILD ID"
    assert len(result.checked.frames["evolve_risk"]) == 3


def test_word_order_and_punctuation_in_headings_do_not_matter(tmp_path, contract):
    head = ["Month", "Arrests (CSE)", "arrests - cce", "CSE prosecutions", "CCE prosecutions", "Convictions: CSE",
            "CCE convictions", "CAWNs", "Disruptive orders"]
    write_xlsx(tmp_path / "in" / "p.xlsx", {"Data": [head, [datetime(2024, 10, 1), 1, 2, 3, 4, 5, 6, 7, 8]]})
    result = check(tmp_path / "in", contract)
    frame = result.checked.frames["police_disruption"]
    assert frame.loc[0, ["cse_arrests", "cce_arrests", "cse_convictions", "abduction_notices"]].tolist() == [1, 2, 5, 7]


def test_totals_rows_blank_rows_and_notes_under_the_table_are_dropped(tmp_path, contract):
    head = ["Month", "New sub-operations", "Arrests", "Prosecutions", "Convictions"]
    rows = [head, ["Oct-2024", 1, 2, 3, 4], [], ["Nov-2024", 0, 1, 1, 0], ["Total", 1, 3, 4, 4], [],
            ["Source: NCA Operation Stovewood monthly return"]]
    write_xlsx(tmp_path / "in" / "s.xlsx", {"Stovewood": rows})
    result = check(tmp_path / "in", contract)
    frame = result.checked.frames["stovewood"]
    assert frame["_row"].tolist() == [2, 4]
    assert frame["arrests"].sum() == 3  # the totals row is not counted twice
    info = " ".join(messages(result, "info"))
    assert "row(s) 5 skipped as a totals row" in info and "row(s) 7 skipped as a note below the table" in info
    assert messages(result, "error") == []


def test_merged_group_headings_and_merged_data_cells(tmp_path, contract):
    rows = [["Month", "Arrests", None, "Prosecutions", None, "Convictions", None, "CAWNs", "Disruptive orders"],
            [None, "CSE", "CCE", "CSE", "CCE", "CSE", "CCE", None, None],
            [datetime(2024, 10, 1), 1, 2, 3, 4, 5, 6, 7, 8]]
    merged = {"Police": ["B1:C1", "D1:E1", "F1:G1", "A1:A2", "H1:H2", "I1:I2"]}
    write_xlsx(tmp_path / "in" / "p.xlsx", {"Police": rows}, merged=merged)
    write_xlsx(tmp_path / "in" / "t.xlsx", {"Training": training_rows()}, merged={"Training": ["B2:B4"]})
    result = check(tmp_path / "in", contract)
    disruption = result.checked.frames["police_disruption"]
    assert disruption.loc[0, ["cse_arrests", "cce_arrests", "cce_convictions", "disruptive_orders"]].tolist() == [1, 2, 6, 8]
    assert result.staged.locations[0].header_row == 2
    assert result.checked.frames["training"]["agency"].tolist() == ["Police"] * 3
    assert messages(result, "error") == []


def test_merged_ranges_are_asked_for_only_on_sheets_that_have_merged_cells(tmp_path, contract, monkeypatch):
    asked = []
    merged = grids.ExcelGrid._merged
    monkeypatch.setattr(grids.ExcelGrid, "_merged", lambda grid, sheet: asked.append(sheet) or merged(grid, sheet))
    write_xlsx(tmp_path / "in" / "t.xlsx", {"Risk": [RISK_HEAD, *risk_rows()], "Training": training_rows()},
               merged={"Training": ["B2:B4"]})
    result = check(tmp_path / "in", contract)
    assert asked == ["Training"]  # python-calamine reads a sheet again to find them: only where there are some
    assert result.checked.frames["training"]["agency"].tolist() == ["Police"] * 3
    assert len(result.checked.frames["evolve_risk"]) == 3


def test_text_dates_serials_numbers_as_text_and_error_strings(tmp_path, contract):
    head = ["Intelligence reference", "Date submitted", "Exploitation type", "Number of linked offences"]
    rows = [head, ["I1", "03/10/2024", "cse", "2"], ["I2", 45568, "Child criminal exploitation", " 1 "],
            ["I3", "2024-10-03", "CCE", "#N/A"], ["I4", "3 Oct 2024", "b) CSE", 0]]
    write_xlsx(tmp_path / "in" / "i.xlsx", {"Intel": rows})
    result = check(tmp_path / "in", contract)
    frame = result.checked.frames["police_intelligence"]
    assert frame["report_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-10-03"] * 3
    assert frame["exploitation_type"].tolist() == ["CSE", "CCE", "CSE"]
    assert frame["linked_offences"].tolist() == [2, 1, 0]
    errors = result.problems[result.problems["severity"] == "error"]
    assert errors[["cell", "value"]].values.tolist() == [["D4", "#N/A"]]
    assert "must not be blank" in errors["message"].iloc[0]


def test_yes_no_variants_and_coded_values(tmp_path, contract):
    head = ["Child reference", "Strategy meeting date", "Exploitation type", "Progressed to S47"]
    rows = [head, ["C1", datetime(2024, 10, 1), "CSE", "Y"], ["C2", datetime(2024, 10, 2), "a) CCE", "No"],
            ["C3", datetime(2024, 10, 3), "CSE", "TRUE"], ["C4", datetime(2024, 10, 4), "CSE", "b) No"],
            ["C5", datetime(2024, 10, 5), "CSE", "Possibly"]]
    write_xlsx(tmp_path / "in" / "sm.xlsx", {"SM": rows})
    result = check(tmp_path / "in", contract)
    frame = result.checked.frames["csc_strategy"]
    assert frame["progressed_to_s47"].tolist() == [True, False, True, False]
    errors = result.problems[result.problems["severity"] == "error"]
    assert errors[["cell", "value", "expected"]].values.tolist() == [["D6", "Possibly", "Yes or No"]]


CSV_TEXT = ("Referral ID,Child reference,Referral date,CSE indicator,CCE indicator\r\n"
            "R1,C1,01/10/2024,Y,N\r\nR2,C2,02/10/2024,N,Y\r\nR3,Zoë – C3,03/10/2024,N,N\r\n")


@pytest.mark.parametrize(("encoding", "text"), [
    ("utf-8", CSV_TEXT), ("utf-8-sig", CSV_TEXT), ("cp1252", CSV_TEXT), ("utf-16", CSV_TEXT.replace(",", "\t")),
    ("utf-8", CSV_TEXT.replace(",", ";")), ("cp1252", "Children's social care referrals\r\n\r\n" + CSV_TEXT)])
def test_csv_in_windows_encodings_and_delimiters(tmp_path, contract, encoding, text):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "referrals.csv").write_bytes(text.encode(encoding))
    result = check(folder, contract)
    frame = result.checked.frames["csc_referrals"]
    assert frame["child_ref"].tolist() == ["C1", "C2", "Zoë – C3"]
    assert frame["cse_indicator"].tolist() == [True, False, False]
    title_rows = 2 if text.startswith("Children") else 0
    assert frame["_row"].tolist() == [2 + title_rows, 3 + title_rows, 4 + title_rows]


def test_lock_files_hidden_sheets_and_upper_case_extensions(tmp_path, contract):
    folder = tmp_path / "in"
    write_xlsx(folder / "EVOLVE.XLSX", {"Risk": [RISK_HEAD, *risk_rows()], "Old": [RISK_HEAD, *risk_rows()]},
               hidden=("Old",))
    (folder / "~$EVOLVE.XLSX").write_bytes(b"\x00" * 165)
    result = check(folder, contract)
    assert len(result.checked.frames["evolve_risk"]) == 3  # the hidden copy is not added
    info = " ".join(messages(result, "info"))
    assert "lock file" in info and "sheet 'Old': skipped because the sheet is hidden" in info
    assert not any("~$" in m for m in messages(result, "warning") + messages(result, "error"))


def test_a_hidden_sheet_is_skipped_even_when_it_is_damaged(tmp_path, contract):
    source = write_xlsx(tmp_path / "src" / "r.xlsx", {"Risk": [RISK_HEAD, *risk_rows()], "Old": [["x"]]}, hidden=("Old",))
    (tmp_path / "in").mkdir()
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(tmp_path / "in" / "r.xlsx", "w") as damaged:
        for info in plain.infolist():
            part = plain.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":  # an entity no XML reader knows
                part = part.replace(b"<sheetData>", b'<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&bogus;'
                                    b"</t></is></c></row>", 1)
            damaged.writestr(info, part)
    result = check(tmp_path / "in", contract)
    assert len(result.checked.frames["evolve_risk"]) == 3
    assert not any("damaged" in m for m in messages(result, "warning"))
    assert "sheet 'Old': skipped because the sheet is hidden" in " ".join(messages(result, "info"))


def test_unrecognised_file_names_the_closest_table_and_missing_headings_and_others_carry_on(tmp_path, contract):
    folder = tmp_path / "in"
    write_xlsx(folder / "mystery.xlsx", {"Data": [["Child reference", "Assessment date", "Risk"], ["C1", "01/10/2024", "High"]]})
    write_xlsx(folder / "evolve.xlsx", {"Risk": [RISK_HEAD, *risk_rows()]})
    result = check(folder, contract)
    warning = [m for m in messages(result, "warning") if m.startswith("mystery.xlsx")]
    assert len(warning) == 1
    assert "closest is Evolve risk assessments" in warning[0] and "'Exploitation type'" in warning[0]
    assert len(result.checked.frames["evolve_risk"]) == 3


def test_a_heading_that_appears_twice_is_refused(tmp_path, contract):
    head = ["Child reference", "Assessment date", "Exploitation type", "Risk level", "Risk level"]
    write_xlsx(tmp_path / "in" / "dup.xlsx", {"Risk": [head, ["C1", datetime(2024, 10, 1), "CSE", "High", "Low"]]})
    result = check(tmp_path / "in", contract)
    errors = messages(result, "error")
    assert "evolve_risk" not in result.checked.frames
    assert len(errors) == 1 and "more than one column could be 'Risk level' (D1 and E1)" in errors[0]


def test_absent_sources_are_warnings_naming_the_table(tmp_path, contract):
    write_xlsx(tmp_path / "in" / "evolve.xlsx", {"Risk": [RISK_HEAD, *risk_rows()]})
    result = check(tmp_path / "in", contract)
    warnings = messages(result, "warning")
    assert any(m.startswith("No Police intelligence reports found") for m in warnings)
    assert not any("Evolve risk assessments found" in m for m in warnings)
    assert not any("Annex A" in m or "Commentary" in m for m in warnings)  # optional tables
    assert result.counts["error"] == 0


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is needed to write an old .xls file")
def test_old_xls_workbooks_are_read(tmp_path, contract):
    source = write_xlsx(tmp_path / "src" / "risk.xlsx", {"Risk": [["Evolve extract"], RISK_HEAD, *risk_rows()]})
    folder = tmp_path / "in"
    folder.mkdir()
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=120)
    result = check(folder, contract)
    frame = result.checked.frames["evolve_risk"]
    assert frame["_row"].tolist() == [3, 4, 5]
    assert frame["assessment_date"].tolist() == [pd.Timestamp("2024-10-03"), pd.Timestamp("2024-11-05"), pd.Timestamp("2025-01-09")]


def test_merged_cells_in_old_xls_workbooks_are_filled_too(tmp_path, contract):
    """An .xls is no zip package, so the guard cannot say which sheets merge cells: every sheet is asked."""
    source = write_xlsx(tmp_path / "src" / "t.xlsx", {"Training": training_rows()}, merged={"Training": ["B2:B4"]})
    folder = tmp_path / "in"
    folder.mkdir()
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=120)
    result = check(folder, contract)
    assert result.checked.frames["training"]["agency"].tolist() == ["Police"] * 3


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("empty.xlsx", b"", "is empty (0 bytes)"),
    ("text.xlsx", b"Child reference,Assessment date\r\nC1,01/10/2024\r\n", "content is text (perhaps a CSV)"),
    ("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "password-protected"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 100, "could not be opened as an Excel workbook"),
    ("page.xls", b"<html><table><tr><td>x</td></tr></table></html>", "web page or text export"),
])
def test_files_that_cannot_be_read_get_a_plain_message(tmp_path, contract, name, content, expected):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_bytes(content)
    write_xlsx(folder / "evolve.xlsx", {"Risk": [RISK_HEAD, *risk_rows()]})
    result = check(folder, contract)
    mine = [m for m in messages(result, "warning") if m.startswith(name)]
    assert len(mine) == 1 and expected in mine[0]
    assert len(result.checked.frames["evolve_risk"]) == 3
