"""Drawing a report's figures: each once, in every format wanted, in parallel.

Drawing (and rasterising at 300 dpi) is the slowest part of writing a report.
:func:`render_figures` draws the figures in forked worker processes, each
returning its figure's SVG text and PNG bytes into the figure's cache, so the
output is byte for byte that of drawing them one by one (the SVG hash salt and
PNG metadata are fixed, see :data:`kneestudy.report.content.RC`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kneestudy.report.content import Figure

__all__ = ["figure_workers", "render_figures"]

#: Figures of a pending :func:`render_figures` call (read by the forked workers).
_PENDING: list[Figure] = []


def _render_pending(job: tuple[int, tuple[str, ...], int]) -> dict[str, Any]:
    i, formats, dpi = job
    fig = _PENDING[i]
    fig.render(*formats, dpi=dpi)
    return dict(fig._cache)


def figure_workers(n_figures: int) -> int:
    """Processes :func:`render_figures` uses: ``KNEESTUDY_FIGURE_WORKERS`` if set, else
    up to 4 of the machine's CPUs, 1 (no worker processes) for fewer than 8 figures or
    where processes cannot be forked."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    given = os.environ.get("KNEESTUDY_FIGURE_WORKERS", "").strip()
    if given:
        try:
            return max(1, int(given))
        except ValueError:
            return 1
    if n_figures < 8:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def render_figures(
    figures: Sequence[Figure], formats: Sequence[str] = ("svg", "png"), dpi: int = 300,
    workers: int | None = None,
) -> None:  # fmt: skip
    """Draw every figure once in ``formats`` (cached on each figure), in parallel.

    Drawing is the slowest part of writing a report; the figures are drawn in
    forked worker processes (:func:`figure_workers`), each returning the SVG
    text and PNG bytes, so the files are the same as when drawn one by one.
    """
    want = tuple(formats)
    todo = [f for f in figures if any(
        (fm if fm == "svg" else f"png{dpi}") not in f._cache for fm in want)]  # fmt: skip
    n = figure_workers(len(todo)) if workers is None else max(1, int(workers))
    if n <= 1 or len(todo) < 2:
        for f in todo:
            f.render(*want, dpi=dpi)
        return
    import multiprocessing

    global _PENDING
    _PENDING = list(todo)
    try:
        with multiprocessing.get_context("fork").Pool(min(n, len(todo))) as pool:
            jobs = [(i, want, dpi) for i in range(len(todo))]
            for f, cache in zip(todo, pool.imap(_render_pending, jobs), strict=True):
                f._cache.update(cache)
    finally:
        _PENDING = []
