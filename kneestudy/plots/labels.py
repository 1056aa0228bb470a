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

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["arm_names", "intervention_label", "literal", "short_label"]

_PAREN = re.compile(r"\s*\([^)]*\)")


def literal(text: Any) -> str:
    """``text`` with every ``$`` escaped, so matplotlib draws it as typed (no mathtext).

    matplotlib reads a string with an even number of unescaped ``$`` as
    mathtext; an escaped dollar (``\\$``) is drawn as a plain ``$``.
    """
    return str(text).replace("$", r"\$")


def _registry_label(code: str, extra: Mapping[str, Any] | None) -> str | None:
    from kneestudy.interventions import COMPARATORS, IDEA_ALIASES, IDEAS

    if code in IDEAS:
        return IDEAS[code].label
    if code in COMPARATORS:
        return COMPARATORS[code]
    if extra and code in extra:
        value = extra[code]
        label = value.get("label") if isinstance(value, Mapping) else value
        if label:
            return str(label)
    if code in IDEA_ALIASES:
        return code.replace("_", " ").capitalize()
    return None


def _lower_first(text: str) -> str:
    # keep acronyms (AKPS, GP): lower the first letter only when the second is lower case
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def short_label(code: str, extra: Mapping[str, Any] | None = None) -> str:
    """The short, lower-case name of one code used inside a combination.

    The registry label without its parenthesis ("Glute (hip) strengthening" ->
    "glute strengthening"); an unknown code with its underscores as spaces.
    """
    label = _registry_label(code, extra) or code.replace("_", " ")
    return _lower_first(_PAREN.sub("", label).strip())


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def intervention_label(code: Any, extra: Mapping[str, Any] | None = None) -> str:
    """Readable label of a (possibly combined) intervention code.

    Parameters
    ----------
    code : str
        A registry code, a declared code, or codes joined by ``+``.
    extra : mapping, optional
        Codes a cohort or study declares (code -> label, or code -> {label: ...}).

    Returns
    -------
    str
        A single code: its registry (or declared) label. A combination: the
        components' short names joined by " + ", adjacent names that end in the
        same word sharing it ("Glute + quadriceps strengthening"), first letter
        capitalised. Anything that is not a code (``None``, a number) is
        returned as text.
    """
    if not isinstance(code, str) or not code.strip():
        return "" if code is None else str(code)
    parts = [p.strip() for p in code.split("+") if p.strip()]
    if len(parts) == 1:
        label = _registry_label(parts[0], extra)
        return label if label else _capitalise(parts[0].replace("_", " "))
    names = [short_label(p, extra) for p in parts]
    groups: list[tuple[list[str], str | None]] = []
    for name in names:
        words = name.split()
        last = words[-1] if len(words) > 1 else None
        if last is not None and groups and groups[-1][1] == last:
            groups[-1][0].append(" ".join(words[:-1]))
        else:
            groups.append(([" ".join(words[:-1]) if last else name], last))
    text = " + ".join(
        " + ".join(heads) + (f" {last}" if last is not None else "") for heads, last in groups
    )
    return _capitalise(text)


def arm_names(
    arms: Iterable[tuple[str, str]], extra: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Display name of each arm, keyed by its intervention code.

    Parameters
    ----------
    arms : iterable of (arm label, intervention code)
        As in ``Cohort.arms[["arm", "intervention"]]``.
    extra : mapping, optional
        Codes the cohort declares.

    Returns
    -------
    dict
        code -> name, in the order the codes first appear. The name is the arm
        label as the data give it, unless that label is only the code itself or
        its registry label, when :func:`intervention_label` is used. A code with
        several arm labels joins them with " / "; two codes whose names would be
        the same get their intervention label (else the code) in parentheses.

    Examples
    --------
    >>> arm_names([("Exercise", "glute_strengthening"), ("Exercise", "usual_care")])
    {'glute_strengthening': 'Exercise (Glute (hip) strengthening)', 'usual_care': 'Exercise (Usual care)'}
    """
    from kneestudy.interventions import label_of

    labels: dict[str, list[str]] = {}
    for arm, code in arms:
        code = str(code)
        arm = str(arm).strip()
        auto = {code, label_of(code, _plain(extra)), intervention_label(code, extra)}
        name = intervention_label(code, extra) if (not arm or arm in auto) else arm
        labels.setdefault(code, [])
        if name not in labels[code]:
            labels[code].append(name)
    names = {code: " / ".join(v) for code, v in labels.items()}
    taken: dict[str, list[str]] = {}
    for code, name in names.items():
        taken.setdefault(name, []).append(code)
    for name, codes in taken.items():
        if len(codes) < 2:
            continue
        for code in codes:
            what = intervention_label(code, extra)
            names[code] = f"{name} ({what if what != name else code})"
    if len(set(names.values())) < len(names):  # still equal: the code itself decides
        names = {code: f"{name} [{code}]" for code, name in names.items()}
    return names


def _plain(extra: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (extra or {}).items():
        label = v.get("label") if isinstance(v, Mapping) else v
        out[str(k)] = str(label) if label else str(k)
    return out
