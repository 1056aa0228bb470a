"""Risk-of-bias plots: what each circle and bar shows, and bad judgements named."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from kneestudy.plots.bias import (
    JUDGEMENTS,
    NOT_REPORTED,
    judgement,
    risk_of_bias_summary,
    risk_of_bias_traffic_light,
)


def rob() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study": ["Collins 2008", "Crossley 2002", "Hott 2020", "Demo (overall only)"],
            "randomisation": ["low", "low", "some_concerns", None],
            "deviations": ["some_concerns", "low", "high", None],
            "missing_data": ["low", "no_information", "low", None],
            "measurement": ["high", "Low", "low", None],
            "selection": ["low", "low", "Some concerns", None],
            "overall": ["high", "low", "high", "some_concerns"],
        }
    )


def _ax(h=4.0):
    return Figure(figsize=(7, h)).add_subplot()


def test_judgement_spellings():
    assert judgement("Some concerns") == judgement("some_concerns") == "some_concerns"
    assert judgement("High risk") == "high" and judgement(None) is None
    assert judgement(float("nan")) is None and judgement(" ") is None
    with pytest.raises(ValueError, match="not a risk-of-bias judgement"):
        judgement("medium")


def test_traffic_light_one_circle_per_study_and_domain():
    ax = risk_of_bias_traffic_light(rob(), _ax())
    circles = ax.collections
    assert len(circles) == 4 * 6
    colours = [to_hex(c.get_facecolor()[0]).upper() for c in circles]
    # first study, first domain (D1 low) and last domain (overall high)
    assert colours[0] == JUDGEMENTS["low"][2].upper()
    assert colours[5] == JUDGEMENTS["high"][2].upper()
    # the last study reports no domain: grey, no symbol; its overall is some concerns
    assert colours[18] == NOT_REPORTED[2].upper()
    assert colours[23] == JUDGEMENTS["some_concerns"][2].upper()
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("+") == 10 and texts.count("×") == 4 and texts.count("?") == 1
    assert {"D1", "D5", "Overall", "Collins 2008"} <= set(texts)
    legend = next(t for t in texts if t.startswith("D1:"))
    assert "Bias arising from the randomisation process" in legend and "not reported" in legend


def test_traffic_light_overall_only_shows_one_column():
    only = rob()[["study", "overall"]]
    ax = risk_of_bias_traffic_light(only, _ax())
    assert len(ax.collections) == 4
    assert "D1" not in [t.get_text() for t in ax.texts]


def test_summary_bars_are_shares_of_studies():
    ax = risk_of_bias_summary(rob(), _ax())
    bars = ax.patches
    # per domain the shares add up to 100%
    lefts = {}
    for b in bars:
        y = round(b.get_y() + b.get_height() / 2)
        lefts.setdefault(y, 0.0)
        lefts[y] += b.get_width()
    assert all(v == pytest.approx(100.0) for v in lefts.values())
    # overall (bottom row): 1 of 4 low, 1 some concerns, 2 high
    bottom = sorted((b for b in bars if round(b.get_y() + b.get_height() / 2) == 0),
                    key=lambda b: b.get_x())  # fmt: skip
    assert [round(b.get_width()) for b in bottom] == [25, 25, 50]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "D1 Randomisation process" and labels[-1] == "Overall risk of bias"


def test_summary_weights():
    data = rob().assign(n=[100, 100, 100, 700])
    ax = risk_of_bias_summary(data, _ax(), weights="n")
    bottom = [b for b in ax.patches if round(b.get_y() + b.get_height() / 2) == 0]
    widths = sorted(round(b.get_width()) for b in bottom)
    assert widths == [10, 20, 70]  # the heavy study's "some concerns" is 70%
    assert "weighted by n" in ax.get_xlabel()


def test_every_bad_value_named_at_once():
    bad = rob()
    bad.loc[0, "deviations"] = "medium"
    bad.loc[2, "overall"] = "awful"
    with pytest.raises(ValueError) as exc:
        risk_of_bias_traffic_light(bad, _ax())
    msg = str(exc.value)
    assert "row 1 (Collins 2008), deviations: 'medium'" in msg
    assert "row 3 (Hott 2020), overall: 'awful'" in msg
    with pytest.raises(ValueError, match="no 'study' column"):
        risk_of_bias_summary(bad.drop(columns="study"), _ax())
    assert np.isfinite(1.0)
