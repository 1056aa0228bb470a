"""PRISMA 2020 flow from hand-made counts: arithmetic, contradictions, the drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure

from kneestudy.plots.prisma import PrismaCounts, prisma, prisma_size


def full() -> PrismaCounts:
    return PrismaCounts(
        identified={"Databases": 120, "Registers": 8},
        removed={"Duplicates": 28},
        excluded_screening=60,
        not_retrieved=2,
        excluded={"Not randomised": 14, "Wrong population": 6},
        studies_included=16,
        reports_included=18,
    )


def test_stages_are_derived_by_the_flow_arithmetic():
    r = full().resolved()
    assert r["identified"] == 128 and r["removed"] == 28
    assert r["screened"] == 100 and r["sought"] == 40 and r["assessed"] == 38
    assert r["excluded"] == 20 and r["reports_included"] == 18 and r["studies_included"] == 16


def test_unknown_stages_stay_unknown():
    c = PrismaCounts(identified=41, excluded={"not randomised": 3}, studies_included=25)
    r = c.resolved()
    assert r["identified"] == 41
    assert r["screened"] is None and r["assessed"] is None and r["reports_included"] is None


def test_contradictions_are_all_named():
    with pytest.raises(ValueError) as exc:
        PrismaCounts(
            identified=100,
            removed={"Duplicates": 10},
            screened=95,
            excluded_screening=50,
            sought=40,
            studies_included=50,
            reports_included=40,
        )
    msg = str(exc.value)
    assert "screened = 95 but identified − removed before screening = 90" in msg
    assert "sought = 40 but screened − excluded at screening = 45" in msg
    assert "studies_included = 50 is more than the reports of included studies (40)" in msg
    with pytest.raises(ValueError, match=r"excluded\['x'\] = -1 is not a whole number"):
        PrismaCounts(identified=10, excluded={"x": -1}, studies_included=1)
    with pytest.raises(ValueError, match="comes out negative"):
        PrismaCounts(identified=10, removed={"dup": 4}, excluded_screening=9, studies_included=0)


def test_from_mapping_and_from_searches():
    c = PrismaCounts.from_mapping({"identified": 12, "studies_included": 3, "removed": {}})
    assert c.resolved()["screened"] == 12
    with pytest.raises(ValueError, match="unknown fields"):
        PrismaCounts.from_mapping({"identified": 12, "studies_included": 3, "found": 1})
    s = PrismaCounts.from_searches(
        [
            {"records_found": 30, "excluded": [{"reason": "not randomised"},
                                               {"reason": "no usable numbers"}]},
            {"records_found": 11, "excluded": [{"reason": "not randomised"}]},
        ],
        studies_included=25,
    )  # fmt: skip
    assert s.resolved()["identified"] == 41 and s.resolved()["screened"] == 41
    assert s.excluded == {"not randomised": 2, "no usable numbers": 1}


def test_the_drawing_shows_every_known_count():
    c = full()
    fig = Figure(figsize=prisma_size(c))
    ax = prisma(c, fig.add_subplot())
    text = "\n".join(t.get_text() for t in ax.texts)
    for piece in ("Databases (n = 120)", "Registers (n = 8)", "Duplicates (n = 28)",
                  "Records screened\nn = 100", "Records excluded\nn = 60",
                  "Reports sought for retrieval\nn = 40", "Reports not retrieved\nn = 2",
                  "Reports assessed for eligibility\nn = 38", "Not randomised (n = 14)",
                  "Studies included in review\nn = 16", "Reports of included studies\nn = 18",
                  "Identification", "Screening", "Included"):  # fmt: skip
        assert piece in text, piece


def test_unrecorded_stages_are_marked_not_invented():
    c = PrismaCounts(identified=41, removed={}, excluded={"not randomised": 3}, studies_included=25)
    ax = prisma(c, Figure(figsize=prisma_size(c)).add_subplot())
    text = "\n".join(t.get_text() for t in ax.texts)
    assert "Reports assessed for eligibility\nn not reported" in text
    assert "Records excluded" not in text and "Reports sought" not in text
