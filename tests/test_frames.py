"""The frames passed between stages keep their contracts (pipeline.frames), on the demo's data."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from pipeline.check import check_inputs
from pipeline.compute import compute_figures
from pipeline.config.settings import load_config
from pipeline.frames import Figures, Problems
from pipeline.paths import Paths
from pipeline.quarters import parse_label
from pipeline.writing.history_file import load_stored
from tests.conftest import ROOT, TODAY, copy_demo_inputs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    inputs = copy_demo_inputs(tmp_path_factory.mktemp("frames") / "inputs")
    config = load_config(Paths.resolve(ROOT, inputs, inputs.parent / "outputs"))
    checked = check_inputs(inputs, config.contract, TODAY, allowed={"commentary": {"ref": config.catalogue.refs}})
    figures = compute_figures(checked, config, load_stored(inputs.parent / "none.sqlite"), parse_label("Q2 2025/26"),
                              TODAY)
    return checked, figures


def test_the_demo_s_problems_and_figures_keep_their_contracts(demo):
    checked, figures = demo
    assert len(Problems.validate(checked.problems)) == len(checked.problems) > 0
    assert len(Figures.validate(figures.results.values)) == len(figures.results.values) > 300
    Figures.validate(figures.merged.values)  # joined with history: the same contract, and more columns


def test_the_contracts_catch_what_would_be_a_wrong_figure(demo):
    _, figures = demo
    values = figures.results.values
    with pytest.raises(pa.errors.SchemaError, match="one_figure_per_measure_and_quarter"):
        Figures.validate(pd.concat([values, values.head(1)], ignore_index=True))
    with pytest.raises(pa.errors.SchemaError, match="a_figure_only_when_worked_out"):
        Figures.validate(values.assign(status=values["status"].where(values.index != 0, "incomplete")))
    with pytest.raises(pa.errors.SchemaError):
        Problems.validate(demo[0].problems.assign(severity="fatal"))
