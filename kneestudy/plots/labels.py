"""Display names: labels, not codes, for interventions, arms and network nodes.

Reports and plots show what a reader understands. A single code reads as its
registry label (``orthotics`` -> "Insoles / orthotics"); a combined code reads
as its components' short names joined by " + ", a last word they share written
once (``glute_strengthening+quadriceps_strengthening`` -> "Glute + quadriceps
strengthening"). An arm is identified by its intervention code: two codes that
share an arm label are two arms, and their display names say which is which.

Every string that comes from data goes through :func:`literal` before it is
given to matplotlib, so that an arm label such as ``($40) vs ($90)`` shows as
typed and is not read as mathtext.

Examples
--------
>>> intervention_label("glute_strengthening+quadriceps_strengthening")
'Glute + quadriceps strengthening'
>>> intervention_label("taping+quadriceps_strengthening")
'Taping + quadriceps strengthening'
>>> intervention_label("orthotics")
'Insoles / orthotics'
>>> literal("($40) vs ($90)")
'(\\\\$40) vs (\\\\$90)'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kneestudy.interventions import intervention_label, short_label

__all__ = ["arm_names", "intervention_label", "literal", "short_label"]


def literal(text: Any) -> str:
    """``text`` with every ``$`` escaped, so matplotlib draws it as typed (no mathtext).

    matplotlib reads a string with an even number of unescaped ``$`` as
    mathtext; an escaped dollar (``\\$``) is drawn as a plain ``$``.
    """
    return str(text).replace("$", r"\$")


def arm_names(
    arms: Iterable[tuple[str, str]], extra: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Display name of each arm, keyed by its intervention code.

    The same names as :meth:`kneestudy.ingest.model.Cohort.display_labels`
    (one rule, :func:`kneestudy.ingest.model.display_labels`), for arms given
    as pairs.

    Parameters
    ----------
    arms : iterable of (arm label, intervention code)
        As in ``Cohort.arms[["arm", "intervention"]]``.
    extra : mapping, optional
        Codes the cohort declares (code -> label, or code -> {label: ...}).

    Returns
    -------
    dict
        code -> name, in the order the codes first appear.

    Examples
    --------
    >>> arm_names([("Exercise", "glute_strengthening"), ("Exercise", "usual_care")])
    {'glute_strengthening': 'Exercise (Glute (hip) strengthening)', 'usual_care': 'Exercise (Usual care)'}
    """
    import pandas as pd

    from kneestudy.ingest.model import display_labels

    frame = pd.DataFrame(list(arms), columns=["arm", "intervention"])
    return display_labels(frame, _plain(extra))


def _plain(extra: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (extra or {}).items():
        label = v.get("label") if isinstance(v, Mapping) else v
        out[str(k)] = str(label) if label else str(k)
    return out
