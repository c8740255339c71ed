"""Rounding as Excel and every calculator do it: halves away from zero (81.25 -> 81.3).

Python's round() and pandas' Series.round() round halves to even (81.25 -> 81.2), which a
reader checking a figure by hand would take for a mistake. Every figure the pipeline shows,
and every note about one, is rounded here.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import pandas as pd


@overload
def half_away(values: pd.Series, decimals: int | pd.Series) -> pd.Series: ...
@overload
def half_away(values: float, decimals: int) -> float: ...


def half_away(values: float | pd.Series, decimals: int) -> float | pd.Series:
    """`values` rounded to `decimals` places, halves away from zero.

    The scaled value is first rounded to nine decimals, so that a half which binary floating
    point stores a hair below itself (2.675 is held as 2.67499999...) still rounds up, as
    Excel's ROUND does.
    """
    scale = np.power(10.0, decimals)
    scaled = np.round(np.abs(values) * scale, 9)
    rounded = np.sign(values) * np.floor(scaled + 0.5) / scale
    if isinstance(values, pd.Series):
        return pd.Series(rounded, index=values.index, dtype="float64") + 0.0  # + 0.0: no "-0"
    return float(rounded) + 0.0
