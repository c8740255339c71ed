"""Given/expect for every computation: small tables, answers worked out by hand."""

from __future__ import annotations

import pandas as pd

from pipeline.config.catalogue import load_catalogue
from pipeline.config.contract import load_contract
from pipeline.quarters import parse_label
from pipeline.stages.cast import DTYPES
from pipeline.stages.measures import compute_measures
from tests.conftest import ROOT

CONTRACT = load_contract(ROOT / "schemas" / "sources.yaml")
CATALOGUE = load_catalogue(ROOT / "schemas" / "kpis.yaml", CONTRACT)
Q3, Q4, Q1, Q2 = (parse_label(x) for x in ("Q3 2024/25", "Q4 2024/25", "Q1 2025/26", "Q2 2025/26"))
D = pd.Timestamp


def typed(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as the checker hands them on: every contract column, typed, with a cell location."""
    columns = CONTRACT.tables[table].columns
    frame = pd.DataFrame({name: pd.Series([r.get(name) for r in rows], dtype="object") for name in columns})
    for name, col in columns.items():
        frame[name] = frame[name].astype(DTYPES[col.type]) if col.type not in ("date", "month") else pd.to_datetime(frame[name])
    return frame.assign(_loc=0, _row=range(2, 2 + len(frame)))


def compute(frames: dict[str, pd.DataFrame], present: dict[str, set[str]] | None = None):
    present = present or {t: set(CONTRACT.tables[t].columns) for t in frames}
    files = {int(loc): f"file {loc}.xlsx" for frame in frames.values() for loc in frame["_loc"].unique()}
    return compute_measures(frames, CATALOGUE, CONTRACT, present, files)


def figure(results, ref: str, quarter: pd.Period, column: str = "value"):
    v = results.values
    got = v[(v["ref"] == ref) & (v["quarter"] == quarter)]
    return None if got.empty else got[column].iloc[0]


def test_counts_with_a_filter_and_zero_inside_coverage():
    rows = [  # 1.1 counts referrals with a CSE indicator, by referral date
        {"referral_ref": "R1", "child_ref": "C1", "referral_date": D("2024-10-01"), "cse_indicator": True, "cce_indicator": False},
        {"referral_ref": "R2", "child_ref": "C2", "referral_date": D("2024-12-31"), "cse_indicator": True, "cce_indicator": True},
        {"referral_ref": "R3", "child_ref": "C3", "referral_date": D("2024-11-15"), "cse_indicator": False, "cce_indicator": True},
        {"referral_ref": "R4", "child_ref": "C4", "referral_date": D("2025-01-01"), "cse_indicator": True, "cce_indicator": False},
        {"referral_ref": "R5", "child_ref": "C5", "referral_date": D("2025-09-30"), "cse_indicator": False, "cce_indicator": False},
    ]
    r = compute({"csc_referrals": typed("csc_referrals", rows)})
    assert [figure(r, "1.1", q) for q in (Q3, Q4, Q1, Q2)] == [2, 1, 0, 0]  # Q1 has no referrals but is covered
    assert [figure(r, "1.2", q) for q in (Q3, Q4, Q1, Q2)] == [2, 0, 0, 0]
    assert figure(r, "1.1", Q3, "rows") == 2
    assert figure(r, "1.1", parse_label("Q3 2025/26")) is None  # beyond the data: no figure at all
    assert "covers this quarter" in r.gaps["1.1"]


def test_monthly_counts_are_summed_over_the_quarters_months():
    months = [("2024-10-01", 1), ("2024-11-01", 2), ("2024-12-01", 3), ("2025-02-01", 4)]
    rows = [{"month": D(m), "cse_arrests": n, "cce_arrests": 0, "cse_prosecutions": 0, "cce_prosecutions": 0,
             "cse_convictions": 0, "cce_convictions": 0, "abduction_notices": 1, "disruptive_orders": 0} for m, n in months]
    r = compute({"police_disruption": typed("police_disruption", rows)})
    assert figure(r, "4.9a", Q3) == 6
    assert figure(r, "4.9g", Q3) == 3
    # Q4 has February only: not a partial sum of 4, but Incomplete with the months that are missing
    assert figure(r, "4.9a", Q4, "status") == "incomplete" and pd.isna(figure(r, "4.9a", Q4))
    assert figure(r, "4.9a", Q4, "reason") == "no January 2025 or March 2025"
    assert figure(r, "4.9a", Q1) is None  # a monthly return with no month in Q1 does not cover it


def _episodes() -> pd.DataFrame:
    rows = [  # child, start, type, offered
        ("A", "2024-10-02", "Missing", True), ("A", "2024-10-20", "Missing", True), ("A", "2024-11-30", None, False),
        ("B", "2024-11-01", "Missing", True), ("B", "2024-12-01", "Missing", True),
        ("C", "2024-10-05", "Missing", False), ("C", "2024-10-06", "Away", True), ("C", "2024-12-24", "Missing", True),
        ("D", "2025-01-10", "Missing", True),
    ]
    return typed("csc_missing", [{"child_ref": c, "episode_start": D(s), "episode_type": t, "rhi_offered": o}
                                 for c, s, t, o in rows])


def test_missing_cohort_three_or_more_episodes_and_return_interviews():
    r = compute({"csc_missing": _episodes()})
    assert figure(r, "4.10", Q3) == 3  # A, B and C went missing in Q3 (C's Away episode does not count)
    assert figure(r, "A1", Q3) == 1  # only A has three Missing episodes (C has two plus one Away)
    # 4.11 counts young people: A, B and C went missing in Q3 and each was offered an interview at least once
    assert (figure(r, "4.11", Q3, "numerator"), figure(r, "4.11", Q3, "denominator")) == (3, 3)
    assert figure(r, "4.10", Q4) == 1 and figure(r, "A1", Q4) == 0


def test_a_missing_optional_column_gives_no_data_with_its_reason():
    present = {"csc_missing": {"child_ref", "episode_start", "episode_type"}}
    r = compute({"csc_missing": _episodes()}, present)
    assert figure(r, "4.11", Q3) is None
    assert r.gaps["4.11"] == "the Missing episodes and return home interviews has no 'Return home interview offered' column"
    assert figure(r, "4.10", Q3) == 3


def test_positive_outcome_rate_counts_outcomes_by_the_date_they_were_recorded():
    rows = [("X1", "2024-07-01", 1, "2024-10-10"), ("X2", "2024-07-02", 16, "2024-11-10"),
            ("X3", "2024-08-01", 8, "2024-12-31"), ("X4", "2024-10-01", None, None), ("X5", "2024-10-02", 2, "2025-01-05")]
    frame = typed("police_crimes", [{"crime_ref": c, "recorded_date": D(r), "exploitation_type": "CSE", "outcome_type": o,
                                     "outcome_date": D(d) if d else None} for c, r, o, d in rows])
    r = compute({"police_crimes": frame})
    assert (figure(r, "A4", Q3, "numerator"), figure(r, "A4", Q3, "denominator")) == (2, 3)
    # The extract's crimes were recorded from 1 July to 2 October 2024: it covers July to December,
    # so an outcome recorded on 5 January is in a quarter it does not cover
    assert figure(r, "A4", Q4) is None


def test_intelligence_reports_and_linked_offences_by_type():
    rows = [("I1", "2024-10-01", "CCE", 2), ("I2", "2024-10-09", "CCE", 0), ("I3", "2024-11-01", "CSE", 5), ("I4", "2025-01-01", "CCE", 1)]
    frame = typed("police_intelligence", [{"report_ref": i, "report_date": D(d), "exploitation_type": t, "linked_offences": n}
                                          for i, d, t, n in rows])
    r = compute({"police_intelligence": frame})
    assert (figure(r, "A2", Q3), figure(r, "A2", Q3, "secondary")) == (2, 2)
    assert (figure(r, "A3", Q3), figure(r, "A3", Q3, "secondary")) == (1, 5)
    assert (figure(r, "A3", Q4), figure(r, "A3", Q4, "secondary")) == (0, 0)


def test_step_downs_from_first_high_to_first_later_medium_and_medium_to_low():
    rows = [  # child, date, level
        ("A", "2024-10-01", "High"), ("A", "2024-10-31", "Medium"), ("A", "2024-11-30", "Low"),
        ("B", "2024-10-01", "High"), ("B", "2024-10-15", "High"), ("B", "2025-01-10", "Medium"),
        ("C", "2024-11-01", "Medium"), ("C", "2024-11-21", "Low"),
        ("E", "2024-10-01", "Low"), ("E", "2024-10-20", "High"),  # stepped up: not a step-down
    ]
    frame = typed("evolve_risk", [{"child_ref": c, "assessment_date": D(d), "exploitation_type": "CSE", "risk_level": lv}
                                  for c, d, lv in rows])
    r = compute({"evolve_risk": frame})
    # Q3: A high->medium 30 days, A medium->low 30 days, C medium->low 20 days: median 30 over 3
    assert (figure(r, "4.7", Q3), figure(r, "4.7", Q3, "denominator")) == (30, 3)
    # Q4: B's first high (1 Oct) to its first later medium (10 Jan) = 101 days
    assert figure(r, "4.7", Q4) == 101
    # 4.5 in Q3: A High, A Medium, B High, B High, C Medium, E High = 6; in Q4: B Medium = 1
    assert figure(r, "4.5", Q3) == 6 and figure(r, "4.5", Q4) == 1
    # 4.6 is 'being developed': with no CCE assessment recorded yet it is not reported, not zero
    assert figure(r, "4.6", Q3, "status") == "no_data" and pd.isna(figure(r, "4.6", Q3))
    assert figure(r, "4.6", Q3, "reason") == "nothing recorded for it yet"


def test_children_on_a_plan_on_the_last_day_of_the_quarter():
    plans = [("A", "2024-07-01", None, "Sexual abuse", False), ("B", "2024-08-01", "2024-12-31", "Sexual abuse", False),
             ("C", "2024-09-01", "2025-01-15", "Neglect", True), ("D", "2024-09-01", None, "Neglect", False),
             ("A", "2024-06-01", "2024-12-20", "Sexual abuse", False)]
    frame = typed("csc_cp_plans", [{"child_ref": c, "plan_start_date": D(s), "plan_end_date": D(e) if e else None,
                                    "latest_category": cat, "linked_to_cse": cse} for c, s, e, cat, cse in plans])
    r = compute({"csc_cp_plans": frame})
    # 31 Dec 2024: A (open), C (linked to CSE, ends 15 Jan); B ended that day; D is neglect only
    assert figure(r, "2.4", Q3) == 2
    # The earliest ended plan (20 Dec 2024) bounds the extract: 30 Sep 2024 is not covered
    assert figure(r, "2.4", parse_label("Q2 2024/25")) is None


def test_early_help_return_wins_and_annex_a_fills_the_gaps_with_a_warning_on_disagreement():
    monthly = typed("eh_monthly", [{"month": D(m), "completed_assessments": n} for m, n in
                                   [("2024-10-01", 10), ("2024-11-01", 10), ("2024-12-01", 10), ("2025-01-01", 5),
                                    ("2025-02-01", 5), ("2025-03-01", 5)]])
    annex = typed("annex_a_list2", [{"child_ref": str(i), "start_date": D("2025-01-01"), "completion_date": D(d)}
                                    for i, d in enumerate(["2025-01-05"] * 14 + ["2025-04-05"] * 7)])
    r = compute({"eh_monthly": monthly, "annex_a_list2": annex})
    assert [figure(r, "1.3", q) for q in (Q3, Q4, Q1)] == [30, 15, 7]
    assert [figure(r, "1.3", q, "table") for q in (Q3, Q4, Q1)] == ["eh_monthly", "eh_monthly", "annex_a_list2"]
    warnings = r.problems["message"].tolist()
    assert len(warnings) == 1 and "Q4 2024/25" in warnings[0] and "15" in warnings[0] and "14" in warnings[0]


def test_percentages_keep_numerator_and_denominator_and_an_empty_quarter_has_a_reason():
    audits = typed("evolve_audits", [{"audit_date": D(d), "child_ref": "C", "grade": g} for d, g in
                                     [("2024-10-01", "Good"), ("2024-10-02", "Outstanding"), ("2024-10-03", "Inadequate"),
                                      ("2024-11-01", "Requires improvement"), ("2025-04-01", "Good")]])
    r = compute({"evolve_audits": audits})
    assert (figure(r, "4.12", Q3, "numerator"), figure(r, "4.12", Q3, "denominator"), figure(r, "4.12", Q3)) == (2, 4, 50.0)
    assert figure(r, "4.12", Q4, "status") == "no_data"
    assert figure(r, "4.12", Q4, "reason") == "nothing to take a share of in this quarter"


def test_a_developing_measure_is_not_reported_before_its_first_recorded_row():
    rows = [("A", "2024-10-01", "CSE", "High"), ("B", "2025-01-05", "CCE", "Low"), ("C", "2025-04-05", "CCE", "High")]
    frame = typed("evolve_risk", [{"child_ref": c, "assessment_date": D(d), "exploitation_type": t, "risk_level": lv}
                                  for c, d, t, lv in rows])
    r = compute({"evolve_risk": frame})
    # CCE rows start in Q4; 4.6 counts medium or high CCE assessments, first seen in Q1
    assert [figure(r, "4.6", q, "status") for q in (Q3, Q4, Q1)] == ["no_data", "no_data", "ok"]
    assert figure(r, "4.6", Q1) == 1
    assert figure(r, "4.6", Q3, "reason") == "nothing recorded for it before Q1 2025/26"
    assert [figure(r, "4.5", q) for q in (Q3, Q4, Q1)] == [1, 0, 0]  # not developing: zeros stand


def test_absent_table_gives_the_reason():
    r = compute({})
    assert r.gaps["4.9a"] == "no Police monthly disruption counts in the inputs"
    assert r.values.empty


def test_breakdown_by_agency_for_training():
    rows = [("2024-10-01", "Police", "CE e-learning level 1", 10), ("2024-10-02", "Health", "CE e-learning level 2", 4),
            ("2024-10-03", "Police", "CE face-to-face", 5), ("2024-10-04", "Police", "Lessons learned", 7)]
    frame = typed("training", [{"course_date": D(d), "agency": a, "course_type": c, "attendees": n} for d, a, c, n in rows])
    r = compute({"training": frame})
    assert figure(r, "1.4", Q3) == 19 and figure(r, "3.1", Q3) == 7
    assert figure(r, "1.4", Q3, "detail") == "Police 15; Health 4"


def _eh_and_annex(eh_months: dict[str, int], annex: dict[str, int]):
    monthly = typed("eh_monthly", [{"month": D(m), "completed_assessments": n} for m, n in eh_months.items()])
    rows = [{"child_ref": f"{d}-{i}", "start_date": D(d), "completion_date": D(d)} for d, n in annex.items() for i in range(n)]
    return {"eh_monthly": monthly, "annex_a_list2": typed("annex_a_list2", rows).assign(_loc=1)}


def test_a_stand_in_figure_is_marked_named_and_compared_like_with_like():
    from pipeline.stages.rate import rate_measures
    from pipeline.stages.scorecard import assemble

    # The Early Help return covers Q3 and Q4 2024/25; Annex A covers Q3 2024/25 to Q1 2025/26.
    frames = _eh_and_annex({"2024-10-01": 3, "2024-11-01": 3, "2024-12-01": 3, "2025-01-01": 2, "2025-02-01": 2,
                            "2025-03-01": 1},
                           {"2024-10-15": 9, "2025-02-10": 10, "2025-05-06": 8})
    r = compute(frames)
    assert [figure(r, "1.3", q, "table") for q in (Q3, Q4, Q1)] == ["eh_monthly", "eh_monthly", "annex_a_list2"]
    assert [bool(figure(r, "1.3", q, "stand_in")) for q in (Q3, Q4, Q1)] == [False, False, True]
    rated = rate_measures(r.values, CATALOGUE, r.alternatives).set_index(["ref", "quarter"])
    # Q1 (8, from Annex A) against Annex A's own Q4 (10), not the Early Help return's 5: worse by 2, within
    # 1.3's tolerance of 30, so Amber; against 5 it would have read as better and Green
    assert rated.at[("1.3", Q1), "previous"] == 10 and rated.at[("1.3", Q1), "trend_short"] == "Worse"
    assert rated.at[("1.3", Q1), "brag"] == "Amber" and not rated.at[("1.3", Q1), "previous_mixed"]
    card = assemble(rated.reset_index(), CATALOGUE, CONTRACT, [Q4 - 2, Q3, Q4, Q1], r.gaps).set_index(["ref", "quarter"])
    assert card.at[("1.3", Q1), "text"] == "8 \u2020" and card.at[("1.3", Q4), "text"] == "5"
    assert card.at[("1.3", Q1), "source_note"] == ("\u2020 From the Ofsted Annex A List 2 (Early Help assessments), "
                                                   "standing in for the Early Help assessments (one row each)")
    assert card.at[("1.3", Q4), "source_note"] == ""


def test_a_trend_between_two_sources_says_so_in_the_notes_short_or_long():
    from pipeline.stages.rate import rate_measures
    from pipeline.stages.scorecard import assemble

    shown = [Q4 - 2, Q3, Q4, Q1]
    # The Early Help return: Q1 2024/25 (3 + 4 + 5 = 12) and Q4 2024/25 (2 + 2 + 3 = 7), nothing between.
    eh = {"2024-04-01": 3, "2024-05-01": 4, "2024-06-01": 5, "2025-01-01": 2, "2025-02-01": 2, "2025-03-01": 3}
    # Annex A covers April to June 2025 only: Q1 2025/26 is 8, a stand-in. Neither of its trends can be
    # from Annex A, so both compare it with the Early Help return: 8 against 7 (better), against 12 (worse).
    r = compute(_eh_and_annex(eh, {"2025-04-10": 8}))
    rated = rate_measures(r.values, CATALOGUE, r.alternatives)
    card = assemble(rated, CATALOGUE, CONTRACT, shown, r.gaps).set_index(["ref", "quarter"])
    assert card.at[("1.3", Q1), "text"] == "8 \u2020"
    assert (card.at[("1.3", Q1), "trend_short"], card.at[("1.3", Q1), "trend_long"]) == ("Better", "Worse")
    assert "short and long trends compare figures from two different sources" in card.at[("1.3", Q1), "notes"]

    # Annex A from January 2025 as well (6 in Q4 2024/25): the short trend is Annex A's own, 8 against 6;
    # only the long trend, against the Early Help return's 12 a year earlier, mixes two sources.
    r = compute(_eh_and_annex(eh, {"2025-01-10": 6, "2025-04-10": 8}))
    rated = rate_measures(r.values, CATALOGUE, r.alternatives)
    card = assemble(rated, CATALOGUE, CONTRACT, shown, r.gaps).set_index(["ref", "quarter"])
    assert card.at[("1.3", Q4), "text"] == "7"  # the Early Help return, where it covers the quarter
    assert (card.at[("1.3", Q1), "trend_short"], card.at[("1.3", Q1), "trend_long"]) == ("Better", "Worse")
    notes = card.at[("1.3", Q1), "notes"]
    assert "long trend compares figures from two different sources" in notes and "short" not in notes


def test_figures_are_rounded_half_away_from_zero_as_excel_does():
    from pipeline.stages.rate import rate_measures
    from pipeline.stages.scorecard import assemble

    audits = typed("evolve_audits", [{"audit_date": D("2024-10-01"), "child_ref": f"C{i}", "grade": g}
                                     for i, g in enumerate(["Good"] * 13 + ["Inadequate"] * 3)])
    risk = typed("evolve_risk", [{"child_ref": c, "assessment_date": D(d), "exploitation_type": "CSE", "risk_level": lv}
                                 for c, d, lv in [("A", "2024-10-01", "High"), ("A", "2024-12-10", "Medium"),
                                                  ("B", "2024-10-01", "High"), ("B", "2024-12-15", "Medium")]])
    r = compute({"evolve_audits": audits, "evolve_risk": risk})
    rated = rate_measures(r.values, CATALOGUE, r.alternatives)
    card = assemble(rated, CATALOGUE, CONTRACT, [Q3], r.gaps).set_index("ref")
    assert card.at["4.12", "text"] == "81.3% (13 of 16)"  # 81.25: a half, rounded up (Python would give 81.2)
    # A: 70 days, B: 75 days; the median is 72.5 and so is every note about it
    assert card.at["4.7", "text"] == "72.5 days (median of 2)"
    assert card.at["4.7", "detail"] == "High to Medium: median 72.5 days over 2"


def test_definitions_that_can_be_read_two_ways_are_settings():
    plans = typed("csc_cp_plans", [{"child_ref": c, "plan_start_date": D("2024-07-01"), "plan_end_date": D(e) if e else None,
                                    "latest_category": "Sexual abuse", "linked_to_cse": False}
                                   for c, e in [("A", None), ("B", "2024-12-31"), ("C", "2024-11-02")]])
    risk = typed("evolve_risk", [{"child_ref": "A", "assessment_date": D(d), "exploitation_type": "CSE", "risk_level": lv}
                                 for d, lv in [("2024-10-01", "High"), ("2024-10-15", "High"), ("2024-10-31", "Medium")]])
    missing = typed("csc_missing", [{"child_ref": c, "episode_start": D(s), "episode_type": "Missing", "rhi_offered": o}
                                    for c, s, o in [("P", "2024-10-02", False), ("P", "2024-10-20", False),
                                                    ("Q", "2024-11-01", True)]])
    frames = {"csc_cp_plans": plans, "evolve_risk": risk, "csc_missing": missing}
    r = compute(frames)
    # As shipped: B's plan ends on 31 December, so it is not open on that day; timed from A's first High
    # (1 to 31 October: 30 days); of the two young people who went missing, Q was offered an interview
    assert figure(r, "2.4", Q3) == 1 and figure(r, "4.7", Q3) == 30
    assert (figure(r, "4.11", Q3, "numerator"), figure(r, "4.11", Q3, "denominator")) == (1, 2)

    def choose(ref: str, **choice) -> object:
        measure = CATALOGUE.measure(ref)
        ways = [way.model_copy(update=choice) for way in measure.from_]
        return measure.model_copy(update={"from_": ways})

    other = CATALOGUE.model_copy(update={"measures": [choose("2.4", open_on_last_day=True), choose("4.7", step_from="last"),
                                                      choose("4.11", per=None)]})
    r = compute_measures(frames, other, CONTRACT, {t: set(CONTRACT.tables[t].columns) for t in frames}, {0: "f.xlsx"})
    assert figure(r, "2.4", Q3) == 2 and figure(r, "4.7", Q3) == 16  # B is open; from A's last High (15 October)
    assert (figure(r, "4.11", Q3, "numerator"), figure(r, "4.11", Q3, "denominator")) == (1, 3)  # episodes


def test_a_long_breakdown_adds_up_with_an_other_line():
    from pipeline.stages.measures import breakdown_text

    sizes = pd.Series({f"Agency {c}": n for c, n in zip("ABCDEFGHIJKL", [40, 30, 20, 10, 9, 8, 7, 6, 5, 4, 3, 2])})
    text = breakdown_text(sizes, limit=10)
    lines = text.split("; ")
    assert len(lines) == 10 and lines[:2] == ["Agency A 40", "Agency B 30"]
    assert lines[-1] == "Other (3 more) 9"  # 4 + 3 + 2
    assert sum(int(line.rsplit(" ", 1)[1]) for line in lines) == int(sizes.sum())
    assert breakdown_text(sizes.head(10), limit=10).count(";") == 9  # ten fit: no Other line
