"""The Child Exploitation Delivery Group's work plan action log (data/workplan.yaml)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import pandas as pd
from pydantic import BeforeValidator, Field

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import load

DATE_FORMAT = "%d/%m/%Y"


def _log_date(value: object) -> str:
    """A date as the action log is typed, dd/mm/yyyy (YAML would read 2025-03-14 as a date, not text)."""
    try:
        datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        raise ValueError(f"{value} is not a date written dd/mm/yyyy") from None
    return str(value)


LogDate = Annotated[str, BeforeValidator(_log_date)]


class Action(StrictModel):
    """One row of the log; the field names are the input contract's columns, in its order."""

    objective: int = Field(ge=1, le=6)
    action_ref: str
    action: str
    lead: str
    date_commenced: LogDate | None = None
    target_date: LogDate | None = None
    date_achieved: LogDate | None = None
    evidence: str | None = None
    remedial_action: str | None = None
    off_target: Literal["Yes", "No"] | None = None
    stated_brag: Literal["Blue", "Green", "Amber", "Red"] | None = None


class Workplan(StrictModel):
    actions: list[Action] = Field(min_length=1)


ACTIONS = load("workplan.yaml", Workplan).actions


def workplan() -> pd.DataFrame:
    """The action log as at 30 Sep 2025: achieved, on target, overdue, not started, and one mis-rated."""
    frame = pd.DataFrame([action.model_dump() for action in ACTIONS])
    for column in ("date_commenced", "target_date", "date_achieved"):
        frame[column] = pd.to_datetime(frame[column], format=DATE_FORMAT)
    return frame
