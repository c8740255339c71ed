"""The builds produce what they produced when the snapshots were taken (tests/snapshot.py).

A change that is meant to leave behaviour alone (a restructuring) must keep these green; a change
that means to alter an output updates the snapshots with `python -m tests.snapshot --update` and
says so in its commit.
"""

from __future__ import annotations

import json

import pytest

from tests import snapshot

pytestmark = pytest.mark.usefixtures("great_expectations")  # builds scorecards in this process


@pytest.mark.parametrize("kind", sorted(snapshot.BUILDS))
def test_the_build_is_what_the_snapshot_says(kind, tmp_path):
    expected = snapshot.load(kind)
    got = json.loads(json.dumps(snapshot.build(kind, tmp_path), sort_keys=True, default=str))
    assert got["exit code"] == expected["exit code"]
    assert got["said"] == expected["said"]
    assert sorted(got["workbooks"]) == sorted(expected["workbooks"])
    for name, book in expected["workbooks"].items():
        mine = got["workbooks"][name]
        assert sorted(mine["sheets"]) == sorted(book["sheets"]), name
        for sheet, content in book["sheets"].items():
            for part in ("cells", "merged", "conditional", "print", "columns"):
                assert mine["sheets"][sheet][part] == content[part], (name, sheet, part)
        assert mine["charts"] == book["charts"], name
