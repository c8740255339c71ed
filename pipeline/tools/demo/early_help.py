"""Early Help: completed assessments a month (one row per assessment comes from Annex A List 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.tools.demo.shared import MONTHS, stream


def eh_monthly() -> pd.DataFrame:
    """180-260 completed Early Help assessments a month, rising slowly, lower in August and December."""
    rng = stream("eh_monthly")
    trend = 200 + 30 * np.linspace(0, 1, len(MONTHS))
    season = np.select([MONTHS.month == 8, MONTHS.month == 12, MONTHS.month.isin([3, 10])], [-25, -18, 12], 0)
    counts = np.clip(np.round(trend + season + rng.normal(0, 9, len(MONTHS))), 180, 260).astype(int)
    return pd.DataFrame({"month": MONTHS, "completed_assessments": counts})
