"""The partnership return: training, engagement, therapeutic services, audits and learning events."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from pipeline.config.loading import StrictModel
from pipeline.tools.demo.loading import Shares, every_key, load
from pipeline.tools.demo.shared import (
    MONTHS,
    QUARTERS,
    Month,
    month_end,
    pick,
    random_days,
    random_weekdays,
    stream,
)

LearningFrom = Literal["Complex abuse process", "Other review or audit"]


class Between(StrictModel):
    fewest: int = Field(ge=0)
    most: int = Field(ge=0)

    @model_validator(mode="after")
    def _in_order(self) -> Between:
        if self.fewest > self.most:
            raise ValueError(f"fewest ({self.fewest}) is more than most ({self.most})")
        return self


class Course(Between):
    chance: float = Field(ge=0, le=1)
    from_: Month | None = Field(default=None, alias="from")  # a later spell of the course: its first month


def _spells(value: object) -> object:
    """A course is one spell ({chance, fewest, most}) or a list of them, each later one with a `from`."""
    return [value] if isinstance(value, dict) else value


def _in_month_order(spells: list[Course]) -> list[Course]:
    if spells[0].from_ is not None:
        raise ValueError("the first spell runs from the period's start, so it has no `from`")
    starts = [spell.from_ for spell in spells[1:]]
    if None in starts or starts != sorted(set(starts)):  # type: ignore[type-var]
        raise ValueError("every later spell needs a `from`, each after the one before")
    return spells


Spells = Annotated[list[Course], BeforeValidator(_spells), Field(min_length=1), AfterValidator(_in_month_order)]


class Activity(StrictModel):
    activity: str
    agency: str


class PartnershipData(StrictModel):
    agencies: list[str]
    e_learning: dict[str, Spells]
    sessions: dict[str, Between]
    activities: list[Activity]
    therapeutic_services: dict[str, dict[Literal["CSE", "CCE"], float]]
    commissioned_services: list[str] = Field(min_length=1)
    commissioned_grades: Shares
    audit_themes: Shares
    learning_events: Annotated[dict[LearningFrom, list[str]], every_key(LearningFrom)]

    @field_validator("activities")
    @classmethod
    def _run_by_known_agencies(cls, activities: list[Activity], info: ValidationInfo) -> list[Activity]:
        if "agencies" in info.data:  # else the agencies list has its own error
            unknown = sorted({a.agency for a in activities} - set(info.data["agencies"]))
            if unknown:
                raise ValueError(f"agencies not in the agencies list: {', '.join(unknown)}")
        return activities


DATA = load("partnership.yaml", PartnershipData)
AGENCIES = DATA.agencies


def training() -> pd.DataFrame:
    """Staff trained by agency and course: monthly e-learning completions, and taught sessions.

    A course's later spells (a new course, say) are drawn from a stream of their own, and the first
    spell's draws for their months are made and left out, so that the rest of the table keeps its draws.
    """
    rng = stream("training")
    rows = []
    for month in MONTHS:
        for course, spells in DATA.e_learning.items():
            first = spells[0]
            for agency in AGENCIES:
                if rng.random() < first.chance:
                    completions = int(rng.integers(first.fewest, first.most + 1))
                    if _spell_in(spells, month) is first:
                        rows.append((month_end(month), agency, course, completions))
    for course, spells in DATA.e_learning.items():
        for spell in spells[1:]:
            own = stream(f"training {course} from {spell.from_}")
            for month in MONTHS[[_spell_in(spells, m) is spell for m in MONTHS]]:
                for agency in AGENCIES:
                    if own.random() < spell.chance:
                        rows.append((month_end(month), agency, course, int(own.integers(spell.fewest, spell.most + 1))))
    for i, q in enumerate(QUARTERS):
        for course, spec in DATA.sessions.items():
            sessions = max(int(rng.integers(spec.fewest, spec.most + 1)), 1 if course == "Other" and i % 2 == 0 else 0)
            for day in random_weekdays(rng, q.start, q.end, sessions):
                for agency in rng.choice(AGENCIES[:-1], int(rng.integers(3, 7)), replace=False):
                    rows.append((day, agency, course, int(rng.integers(1, 9))))
    frame = pd.DataFrame(rows, columns=["course_date", "agency", "course_type", "attendees"])
    return frame.sort_values(["course_date", "course_type", "agency"], kind="stable").reset_index(drop=True)


def _spell_in(spells: list[Course], month: pd.Timestamp) -> Course:
    """The course's spell a month falls in."""
    return [spell for spell in spells if spell.from_ is None or pd.Timestamp(spell.from_) <= month][-1]


def engagement() -> pd.DataFrame:
    """3-10 community awareness and engagement activities a quarter."""
    rng = stream("engagement")
    activities = DATA.activities
    parts = []
    for q in QUARTERS:
        n = int(rng.integers(3, 11))
        picks = rng.choice(len(activities), n, replace=False)
        parts.append(pd.DataFrame({"activity_date": random_days(rng, q.start, q.end, n).to_numpy(),
                                   "activity": [activities[k].activity for k in picks],
                                   "agency": [activities[k].agency for k in picks]}))
    frame = pd.concat(parts).sort_values("activity_date").reset_index(drop=True)
    reach = rng.integers(10, 300, len(frame)).astype(float)
    frame["reach"] = pd.array(np.where(rng.random(len(frame)) < 0.2, np.nan, reach), dtype="Int64")
    return frame


def therapeutic() -> pd.DataFrame:
    """Young people offered a therapeutic service, per service, exploitation type and month."""
    rng = stream("therapeutic")
    rows = [(month, service, kind, int(min(rng.poisson(mean), 8)))
            for month in MONTHS for service, kinds in DATA.therapeutic_services.items() for kind, mean in kinds.items()]
    return pd.DataFrame(rows, columns=["month", "service", "exploitation_type", "young_people"])


def commissioned_audits() -> pd.DataFrame:
    """3-8 audits of commissioned services a quarter, with mixed grades."""
    rng = stream("commissioned_audits")
    dates = pd.concat([random_weekdays(rng, q.start, q.end, int(rng.integers(3, 9))) for q in QUARTERS])
    n = len(dates)
    return pd.DataFrame({
        "audit_date": dates.sort_values().to_numpy(),
        "service": rng.choice(DATA.commissioned_services, n),
        "grade": pick(rng, DATA.commissioned_grades, n),
    })


def partnership_audits() -> pd.DataFrame:
    """4-10 single or multi-agency audits a quarter across the themes."""
    rng = stream("partnership_audits")
    dates = pd.concat([random_weekdays(rng, q.start, q.end, int(rng.integers(4, 11))) for q in QUARTERS])
    n = len(dates)
    agency = rng.choice(AGENCIES[:7], n)
    return pd.DataFrame({
        "audit_date": dates.sort_values().to_numpy(),
        "audit_type": rng.choice(["Single agency", "Multi-agency"], n, p=[0.55, 0.45]),
        "theme": pick(rng, DATA.audit_themes, n),
        "agency": np.where(rng.random(n) < 0.15, None, agency),
    })


def learning_events() -> pd.DataFrame:
    """0-3 learning events a quarter, some on lessons from the complex abuse process."""
    rng = stream("learning_events")
    rows = []
    for q in QUARTERS:
        for day in sorted(random_weekdays(rng, q.start, q.end, int(rng.choice(4, p=[0.15, 0.4, 0.3, 0.15])))):
            source = "Complex abuse process" if rng.random() < 0.4 else "Other review or audit"
            titles = DATA.learning_events[source]
            attending = int(rng.integers(15, 80)) if rng.random() < 0.85 else None
            rows.append((day, titles[int(rng.integers(len(titles)))], source, attending))
    frame = pd.DataFrame(rows, columns=["event_date", "event", "learning_from", "attendees"])
    frame["attendees"] = frame["attendees"].astype("Int64")
    return frame
