"""The demo's data files (data/*.yaml), read into strict models.

The names, quotes, headings, services and work plan are text a person may want to read or
change; a broken file stops with the project's ConfigError, naming the file, line and key.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args

from pydantic import AfterValidator, BaseModel

from pipeline.config.loading import load_model

DATA = Path(__file__).with_name("data")

M = TypeVar("M", bound=BaseModel)


def load(name: str, model: type[M]) -> M:
    return load_model(DATA / name, model)


def add_up_to_one(shares: dict[Any, float]) -> dict[Any, float]:
    """Shares are the probabilities rows are drawn with, so they must be positive and add up to 1."""
    if any(share <= 0 for share in shares.values()):
        raise ValueError("every share must be more than 0")
    total = sum(shares.values())
    if not math.isclose(total, 1, abs_tol=1e-8):
        raise ValueError(f"the shares add up to {total:g}, not 1")
    return shares


# A value and the share of rows that have it; in SharesOrBlank a null value is a blank cell.
Shares = Annotated[dict[str, float], AfterValidator(add_up_to_one)]
SharesOrBlank = Annotated[dict[str | None, float], AfterValidator(add_up_to_one)]


def every_key(keys: Any) -> AfterValidator:
    """For a dict keyed by a Literal: the code looks up each of the Literal's values, so all must be there."""
    wanted = get_args(keys)

    def check(mapping: dict[str, Any]) -> dict[str, Any]:
        missing = [key for key in wanted if key not in mapping]
        if missing:
            raise ValueError(f"missing {', '.join(repr(key) for key in missing)}")
        return mapping

    return AfterValidator(check)


def filled_from(names: Iterable[str]) -> Callable[[str], str]:
    """A check for text with {name} fields: only these names can be filled in."""
    allowed = sorted(names)

    def check(text: str) -> str:
        used = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
        unknown = sorted(used - set(allowed))
        if unknown:
            raise ValueError(f"unknown name {{{unknown[0]}}} in {text!r}: the names are "
                             + ", ".join(f"{{{name}}}" for name in allowed))
        return text

    return check
