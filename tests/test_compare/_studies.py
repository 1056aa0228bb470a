"""Small hand-made studies for the comparison tests (published rows only, or with cohorts)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kneestudy.ingest.model import Study


def contrast(sid: str, t: str, c: str, est: float, se: float, **kw: Any) -> dict[str, Any]:
    """One published contrast row (pain, MD, week 12, low risk of bias unless given)."""
    row = dict(study_id=sid, treatment=t, comparator=c, outcome="pain", week=12.0, measure="MD",
               estimate=est, se=se, n_treatment=30, n_comparator=30, source=f"{sid} (test)",
               population="patellofemoral pain", risk_of_bias="low")  # fmt: skip
    row.update(kw)
    return row


def arm(sid: str, code: str, n: int, mean: float, sd: float | None, **kw: Any) -> dict[str, Any]:
    """One published arm row (pain, week 12, final values unless given)."""
    row = dict(study_id=sid, arm=code.replace("_", " "), intervention=code, outcome="pain",
               week=12.0, n=n, mean=mean, sd=sd, events=None, change=False,
               source=f"{sid} (test)")  # fmt: skip
    row.update(kw)
    return row


def study(contrasts=(), arms=(), cohorts=(), study_id: str = "t") -> Study:
    return Study(
        study_id=study_id,
        title="test",
        cohorts=list(cohorts),
        contrasts=pd.DataFrame(list(contrasts)),
        arm_summaries=pd.DataFrame(list(arms)),
    )
