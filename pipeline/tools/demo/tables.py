"""Every demo table, built together because the agencies' returns share children and agree with each other."""

from __future__ import annotations

import pandas as pd

from pipeline.tools.demo.annex_a import annex_list1, annex_list2, annex_list3, annex_list7
from pipeline.tools.demo.commentary import commentary
from pipeline.tools.demo.early_help import eh_monthly
from pipeline.tools.demo.evolve import evolve_audits, evolve_cohort, evolve_feedback, evolve_risk
from pipeline.tools.demo.partnership import (
    commissioned_audits,
    engagement,
    learning_events,
    partnership_audits,
    therapeutic,
    training,
)
from pipeline.tools.demo.police import police_apps, police_crimes, police_disruption, police_intelligence, stovewood
from pipeline.tools.demo.shared import child_refs, stream, unique_numbers
from pipeline.tools.demo.social_care import csc_complex_abuse, csc_cp_plans, csc_missing, csc_referrals, csc_strategy
from pipeline.tools.demo.workplan import workplan


def demo_tables() -> dict[str, pd.DataFrame]:
    """Every demo table, keyed by its contract name, with contract column names (Annex A lists keep their own).

    Annex A List 2 matches the monthly Early Help counts, List 7 holds the same plans as the
    social care sheet, and the commentary quotes figures from the tables.
    """
    refs = child_refs(8_000)
    evolve_refs, others = refs[:345], refs[345:]
    cohort = evolve_cohort(evolve_refs)
    risk = evolve_risk(cohort)
    missing = csc_missing(cohort, others[:400])
    plans = csc_cp_plans(others[400:1200])
    monthly = eh_monthly()
    annex_ids = unique_numbers(stream("annex_ids"), 1_000_000, 20_000_000, 4_000)
    return {
        "police_intelligence": police_intelligence(),
        "police_crimes": police_crimes(),
        "police_disruption": police_disruption(),
        "police_apps": police_apps(),
        "stovewood": stovewood(),
        "evolve_risk": risk,
        "evolve_audits": evolve_audits(risk),
        "evolve_feedback": evolve_feedback(),
        "csc_referrals": csc_referrals(others[400:]),
        "csc_strategy": csc_strategy(cohort, others[1200:2000]),
        "csc_cp_plans": plans,
        "csc_complex_abuse": csc_complex_abuse(),
        "csc_missing": missing,
        "eh_monthly": monthly,
        "annex_list1": annex_list1(annex_ids[3_500:3_506]),
        "annex_list2": annex_list2(monthly, annex_ids[:3_200]),
        "annex_list3": annex_list3(annex_ids[3_506:3_512]),
        "annex_list7": annex_list7(plans, annex_ids[3_200:3_500]),
        "training": training(),
        "engagement": engagement(),
        "therapeutic": therapeutic(),
        "commissioned_audits": commissioned_audits(),
        "partnership_audits": partnership_audits(),
        "learning_events": learning_events(),
        "workplan": workplan(),
        "commentary": commentary(missing, plans, monthly),
    }
