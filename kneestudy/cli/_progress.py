"""A progress bar on a terminal, silence otherwise (for report-writing commands)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def progress_bar(desc: str) -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A ``progress(step, done, total)`` callback drawing a tqdm bar on stderr.

    Returns ``(None, no-op)`` when stderr is not a terminal, so piped or
    logged output stays clean. The second item closes the bar.
    """
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(step: str, done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(
                total=total, desc=desc, unit="step", file=sys.stderr, leave=False, mininterval=0
            )
        b = bar["bar"]
        b.set_postfix_str(step, refresh=False)
        b.update(done - b.n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close
