"""The simulator's parameter table: one row per parameter, each with a source."""

from __future__ import annotations

import pytest

import kneestudy as ks
from kneestudy.simulate.parameters import AE_TABLE, TABLE, effect_codes, parameter_table, value


def test_every_parameter_has_a_unique_name_and_a_source():
    names = [row[0] for row in TABLE]
    assert len(names) == len(set(names))
    assert all(isinstance(row[4], bool) for row in TABLE)
    frame = parameter_table()
    assert frame["source"].str.len().gt(0).all()
    assert frame["assumption"].dtype == bool
    # a value not flagged as an assumption cites a source (a year)
    cited = frame["source"].str.contains(r"(?:19|20)\d\d", regex=True)
    assert (cited | frame["assumption"]).all()


def test_no_assumed_size_is_flagged_as_sourced():
    """Where the source text says the size is assumed, or gives none, the row says assumption."""
    frame = parameter_table()
    says = frame["source"].str.contains(
        r"assum|no size|not a size|gives no|no effect size|no pain difference", regex=True
    )
    assert frame.loc[says, "assumption"].all(), list(frame.index[says & ~frame["assumption"]])
    # the four rows whose source named a paper for the direction only
    for name in (
        "effect.orthotics.peak",
        "effect.knee_brace.peak",
        "effect.physical_therapy.peak",
        "ae.orthotics.foot or shin discomfort",
    ):
        assert frame.loc[name, "assumption"], name
    # every effect size is either sourced or an assumption, and says which
    peaks = frame[frame.index.str.endswith(".peak")]
    assert peaks["source"].str.len().gt(10).all()


def test_every_idea_and_comparator_has_an_effect():
    codes = set(effect_codes())
    assert set(ks.IDEAS) | {"taping"} <= codes
    assert set(ks.COMPARATORS) <= codes
    for code in ks.COMPARATORS:
        if code != "quadriceps_strengthening":
            assert value(f"effect.{code}.peak") == 0.0


def test_natural_history_targets_are_collins_2013():
    frame = parameter_table()
    assert value("natural.recovered_week12") == 0.45
    assert value("natural.recovered_week52") == 0.60
    assert "Collins 2013" in frame.loc["natural.recovered_week12", "source"]


def test_adverse_event_table_covers_the_named_ideas():
    terms = {code: dict(t) for code, t in AE_TABLE.items()}
    assert "skin irritation" in terms["knee_brace"]
    assert "stomach upset" in terms["glucosamine"]
    assert "foot or shin discomfort" in terms["orthotics"]
    assert "muscle soreness" in terms["glute_strengthening"]


def test_unknown_parameter_names_close_ones():
    with pytest.raises(KeyError, match="effect.orthotics.peak"):
        value("effect.orthotics.peek")
