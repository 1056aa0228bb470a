"""Data shipped with kneestudy: the demo study and an example cohort.

:func:`demo_study` loads the embedded study folder, synthetic throughout
(nine simulated trials covering all eight ideas, one of them a crossover, and
literature tables that summarise further simulated trials); it is the default
data of ``kneestudy demo`` and of the notebooks. The published trials are in
:func:`evidence`, never mixed with the demo. The folder is rebuilt by ``python -m kneestudy.datasets.build``.

Examples
--------
>>> import kneestudy as ks
>>> study = ks.datasets.demo_study()
>>> len(study.cohorts), all(c.is_synthetic for c in study.cohorts)
(9, True)
>>> ks.datasets.demo_study_path().name
'demo_study'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kneestudy.ingest.model import Study

__all__ = [
    "demo_study",
    "demo_study_path",
    "demo_truth",
    "evidence",
    "evidence_path",
    "example_cohort_path",
]


def _data(name: str) -> Path:
    path = Path(str(resources.files("kneestudy.datasets").joinpath("data", name)))
    if not path.exists():
        raise FileNotFoundError(
            f"the packaged data folder {name!r} is missing from this installation of kneestudy"
        )
    return path


def demo_study_path() -> Path:
    """Folder of the embedded demo study (``study.toml``, ``cohorts/``, ``literature/``)."""
    return _data("demo_study")


def example_cohort_path() -> Path:
    """Folder of the embedded example cohort (one trial, CSV tables and ``cohort.toml``)."""
    return _data("example_cohort")


def evidence_path() -> Path:
    """Folder of the embedded evidence base of published trials (see :func:`evidence`)."""
    return _data("evidence")


def evidence() -> Study:
    """The evidence base: published randomised trials of the eight ideas, every number quoted.

    Returns
    -------
    Study
        No cohorts. ``.arm_summaries`` and ``.contrasts`` hold published
        figures, each row with its citation, DOI or PMID, instrument, time
        point, population, risk of bias and the verbatim quote its numbers
        come from (numbers not printed are derived by a named Cochrane
        Handbook method, in ``derivation``); ``.studies`` has one row per
        trial with its RoB 2 judgement and its source. Glucosamine rows come
        from knee osteoarthritis (``population``): indirect evidence. Never
        pooled with synthetic cohorts. Built by ``python -m
        kneestudy.datasets.evidence_base`` from ``trials/*.toml``.
    """
    from kneestudy.datasets.evidence_base import evidence as _evidence

    return _evidence()


def demo_study() -> Study:
    """The embedded demo study, loaded and validated with :func:`kneestudy.load_study`.

    Returns
    -------
    Study
        ``.cohorts``: synthetic trials (``manifest.source == "synthetic"``, the
        seed in ``manifest.seed``) of glute strengthening (3 arms), taping (3
        arms), orthotics (3 arms, to week 52), glucosamine, smaller trials of
        stretching, balance training, running form and a knee brace, and a
        crossover of brace settings (``design = "crossover"``);
        ``.contrasts`` and ``.arm_summaries``: synthetic too (``source =
        "synthetic"``), each row summarising a further simulated trial (see
        :mod:`kneestudy.datasets.literature`). Not evidence about runner's
        knee: the published trials are in :func:`evidence`.
    """
    from kneestudy.ingest import load_study

    return load_study(demo_study_path())


def demo_truth() -> dict[str, dict]:
    """The true parameters of each synthetic demo cohort, by ``cohort_id``.

    The files do not carry the truth; it is recomputed by simulating each
    cohort again from its recorded seed (the same data, byte for byte), so
    estimates from :func:`demo_study` can be checked against it.

    Examples
    --------
    >>> import kneestudy as ks
    >>> t = ks.datasets.demo_truth()["demo-orthotics"]["by_arm_week"]
    >>> sorted(t["arm"].unique())
    ['flat_insert', 'orthotics', 'wait_and_see']
    """
    from kneestudy.datasets.build import build_study

    return {c.cohort_id: dict(c.truth or {}) for c in build_study().cohorts}
