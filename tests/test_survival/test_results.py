"""Result objects: frozen, full precision, JSON-ready, renderable."""

from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pytest

from kneestudy.survival import (
    cox,
    interval_weibull,
    kaplan_meier,
    logrank,
    rmst,
    turnbull,
)

from ._data import dataset


def _results():
    d = dataset("aml")
    i = dataset("interval")
    return [
        kaplan_meier(d["time"], d["status"], d["x"]),
        logrank(d["time"], d["status"], d["x"]),
        cox(d, "time", "status", ["x"]),
        rmst(d["time"], d["status"], d["x"], 40),
        turnbull(i["left"], i["right"]),
        interval_weibull(i, ["arm"], "left", "right"),
    ]


@pytest.mark.parametrize("res", _results(), ids=lambda r: type(r).__name__)
def test_frozen_html_json(res):
    assert dataclasses.is_dataclass(res)
    field = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, field, None)
    html = res._repr_html_()
    assert html.startswith("<div>") and "<table" in html
    json.dumps(res.to_dict())  # serialisable (NaN/inf become null)
    assert len(res.to_frame()) >= 1
    assert str(res)


def test_full_precision_in_frames():
    d = dataset("aml")
    fit = kaplan_meier(d["time"], d["status"])
    # 10/11 etc. are not rounded anywhere in the table
    assert fit.table["survival"].iloc[0] == pytest.approx(1 - 2 / 23, rel=0, abs=0)


def test_statistics_do_not_import_lifelines_or_matplotlib():
    import kneestudy.survival  # noqa: F401

    mods = [m for m in sys.modules if m.startswith("kneestudy.survival")]
    for m in mods:
        src = sys.modules[m].__file__ or ""
        text = open(src, encoding="utf-8").read()
        assert "import lifelines" not in text and "from lifelines" not in text
        assert "matplotlib" not in text


def test_results_are_reproducible():
    a, b = _results(), _results()
    np.testing.assert_array_equal(a[2].table.to_numpy(), b[2].table.to_numpy())
