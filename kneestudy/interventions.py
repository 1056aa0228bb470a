"""The registry of the eight ideas for runner's knee, and the comparator codes.

An intervention code names what an arm does. The eight *ideas* are the
self-help and clinical options kneestudy compares; *comparator* codes name
control arms; a combined arm joins codes with ``+``
(``glute_strengthening+quadriceps_strengthening``). A cohort may declare
further codes in its manifest (``[codes]`` table, code = label); any other
code is a validation error.

Examples
--------
>>> import kneestudy as ks
>>> list(ks.IDEAS)[:2]
['glute_strengthening', 'stretching']
>>> ks.IDEAS["orthotics"].label
'Insoles / orthotics'
>>> idea_of("taping+quadriceps_strengthening")
'physical_therapy'

Components
----------
For the comparison of the ideas an arm is the *set of its components*
(:func:`components_of`): ``glute_strengthening+quadriceps_strengthening`` has
the components {glute strengthening, quadriceps strengthening}. Codes named
*inactive* (:data:`INACTIVE`: usual care, wait and see, and the attention
controls placebo, sham and flat inserts) carry no specific effect and are not
components; every other code is a component with its own effect (the eight
ideas, ``quadriceps_strengthening``, ``education``, declared codes).

An alias is a component of its idea: ``taping`` is recorded under the
physical-therapist idea (the registry says so, and trials of taping test the
taping a physical therapist applies), so by default ``taping`` counts as the
``physical_therapy`` component. ``separate_aliases=True`` keeps an alias (and a
declared code that belongs to an idea) as a component of its own, the
sensitivity analysis that tests whether taping stands for the whole idea.

>>> components_of("knee_brace+physical_therapy")
('knee_brace', 'physical_therapy')
>>> components_of("sham+quadriceps_strengthening")
('quadriceps_strengthening',)
>>> components_of("taping"), components_of("taping", separate_aliases=True)
(('physical_therapy',), ('taping',))
>>> components_of("flat_insert")
()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "ATTENTION_CONTROLS",
    "COMPARATORS",
    "CODE_PATTERN",
    "IDEAS",
    "IDEA_ALIASES",
    "INACTIVE",
    "INACTIVE_REFERENCE",
    "Idea",
    "combination_code",
    "components_of",
    "idea_of",
    "intervention_label",
    "is_known_code",
    "known_codes",
    "short_label",
    "split_codes",
    "unknown_codes",
]

#: Pattern every single code must match (lower-case words joined by ``_``).
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Idea:
    """One of the eight ideas compared by kneestudy.

    Attributes
    ----------
    number : int
        Position in the registry (1–8), the order used in every table.
    code : str
        Stable machine code used in data files.
    label : str
        Short human label used in reports.
    summary : str
        One paragraph on what an arm of this idea does.
    aliases : tuple of str
        Further codes that belong to this idea (``taping`` for physical therapy).
    """

    number: int
    code: str
    label: str
    summary: str
    aliases: tuple[str, ...] = field(default=())

    @property
    def codes(self) -> tuple[str, ...]:
        """The idea's own code followed by its aliases."""
        return (self.code, *self.aliases)


_IDEAS = (
    Idea(
        1,
        "glute_strengthening",
        "Glute (hip) strengthening",
        "Progressive strengthening of the hip abductors and external rotators "
        "(side-lying abduction, clams, banded walks, single-leg work), usually "
        "three times a week for 6–12 weeks, aiming at control of the knee in a "
        "single-leg squat. Often combined with knee (quadriceps) exercise.",
    ),
    Idea(
        2,
        "stretching",
        "Stretching",
        "A stretching programme for the hamstrings, calves and quadriceps "
        "(static or dynamic), done daily, on the idea that tight muscles raise "
        "patellofemoral joint load.",
    ),
    Idea(
        3,
        "balance_training",
        "Balance training",
        "Neuromuscular and balance training (single-leg stance, wobble board, "
        "perturbation and landing drills), usually added to an exercise "
        "programme for 4–6 weeks.",
    ),
    Idea(
        4,
        "running_form",
        "Running form",
        "Gait retraining with feedback: raising step rate, reducing hip "
        "adduction and knee valgus, or changing foot strike, typically over "
        "about eight supervised sessions with the feedback faded out.",
    ),
    Idea(
        5,
        "orthotics",
        "Insoles / orthotics",
        "Prefabricated or custom foot orthoses worn in running and daily shoes, "
        "meant to limit rearfoot eversion and the knee's inward collapse.",
    ),
    Idea(
        6,
        "knee_brace",
        "Knee brace",
        "A patellar brace or sleeve with a kneecap cut-out and an adjustable "
        "pull, worn when active; the helpful direction of pull may differ from "
        "person to person and any benefit is expected at once.",
    ),
    Idea(
        7,
        "physical_therapy",
        "Physical therapist",
        "An assessment-led programme delivered by a physical therapist: "
        "education, graded exercise, and often patellar taping or "
        "mobilisation. Taping (code `taping`) is recorded under this idea.",
        aliases=("taping",),
    ),
    Idea(
        8,
        "glucosamine",
        "Glucosamine",
        "An oral glucosamine supplement, 1500 mg a day, taken for weeks to "
        "months. Evidence comes from knee osteoarthritis, not patellofemoral "
        "pain.",
    ),
)

#: Ordered, read-only mapping code -> :class:`Idea` of the eight ideas.
IDEAS: Mapping[str, Idea] = MappingProxyType({idea.code: idea for idea in _IDEAS})

#: Alias code -> the idea code it belongs to (e.g. ``taping`` -> ``physical_therapy``).
IDEA_ALIASES: Mapping[str, str] = MappingProxyType(
    {alias: idea.code for idea in _IDEAS for alias in idea.aliases}
)

#: Comparator (control arm) codes, code -> label.
COMPARATORS: Mapping[str, str] = MappingProxyType(
    {
        "usual_care": "Usual care",
        "wait_and_see": "Wait and see",
        "education": "Education",
        "sham": "Sham",
        "placebo": "Placebo",
        "flat_insert": "Flat inserts",
        "quadriceps_strengthening": "Quadriceps (knee) strengthening",
    }
)


#: Attention controls: arms that mimic the contact of a treatment without its
#: specific ingredient. Inactive by default; the sensitivity analyses of the
#: comparison give each its own component where the network identifies it.
ATTENTION_CONTROLS: tuple[str, ...] = ("placebo", "sham", "flat_insert")
#: Codes that carry no specific effect by default (not components).
INACTIVE: tuple[str, ...] = ("usual_care", "wait_and_see", *ATTENTION_CONTROLS)
#: Name of the combination with no active component (the common reference).
INACTIVE_REFERENCE = "inactive"


def split_codes(code: str) -> tuple[str, ...]:
    """Split a combined code on ``+`` into its single codes (whitespace trimmed)."""
    return tuple(part.strip() for part in str(code).split("+"))


def known_codes(extra: Iterable[str] = ()) -> frozenset[str]:
    """All single codes accepted: ideas, aliases, comparators and ``extra``."""
    return frozenset(IDEAS) | frozenset(IDEA_ALIASES) | frozenset(COMPARATORS) | frozenset(extra)


def unknown_codes(code: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The parts of a (possibly combined) code that are not known.

    Parameters
    ----------
    code : str
        A single code or codes joined by ``+``.
    extra : iterable of str
        Codes declared by the study or cohort manifest.

    Returns
    -------
    tuple of str
        Unknown parts, in order; empty when every part is known. An empty part
        (``"a++b"``) is reported as ``""``.
    """
    known = known_codes(extra)
    return tuple(p for p in split_codes(code) if p not in known or not p)


def is_known_code(code: str, extra: Iterable[str] = ()) -> bool:
    """True when every part of ``code`` is a known or declared code."""
    return not unknown_codes(code, extra)


def label_of(code: str, extra: Mapping[str, str] | None = None) -> str:
    """Human label of a (possibly combined) code; parts joined by `` + ``."""
    extra = extra or {}
    labels = []
    for part in split_codes(code):
        if part in IDEAS:
            labels.append(IDEAS[part].label)
        elif part in IDEA_ALIASES:
            labels.append(part.replace("_", " ").capitalize())
        elif part in COMPARATORS:
            labels.append(COMPARATORS[part])
        else:
            labels.append(extra.get(part, part))
    return " + ".join(labels)


_PAREN = re.compile(r"\s*\([^)]*\)")


def _registry_label(code: str, extra: Mapping[str, Any] | None) -> str | None:
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


def idea_of(code: str) -> str | None:
    """The idea a (possibly combined) arm code tests, or ``None`` for a control arm.

    The idea is the first part of the code that is one of the eight ideas (or
    an alias of one), so ``glute_strengthening+quadriceps_strengthening`` tests
    glute strengthening and ``taping`` tests physical therapy. Arms with no
    idea among their parts (``usual_care``, ``quadriceps_strengthening``)
    return ``None``.
    """
    for part in split_codes(code):
        if part in IDEAS:
            return part
        if part in IDEA_ALIASES:
            return IDEA_ALIASES[part]
    return None


def _component_order(code: str) -> tuple[int, int, str]:
    if code in IDEAS:
        return (0, IDEAS[code].number, code)
    if code in COMPARATORS:
        return (1, list(COMPARATORS).index(code), code)
    return (2, 0, code)


def components_of(
    code: str,
    inactive: Iterable[str] = INACTIVE,
    ideas_of_declared: Mapping[str, str] | None = None,
    separate_aliases: bool = False,
) -> tuple[str, ...]:
    """The active components of a (possibly combined) arm code.

    Parameters
    ----------
    code : str
        A single code or codes joined by ``+``.
    inactive : iterable of str
        Codes without a specific effect (default :data:`INACTIVE`); they are
        left out.
    ideas_of_declared : mapping, optional
        Declared code -> the idea it belongs to (a manifest's
        ``[codes] my_brace = { label = "...", idea = "knee_brace" }``). Such a
        code counts as that idea's component, as an alias does.
    separate_aliases : bool
        Keep aliases (``taping``) and declared codes of an idea as components
        of their own instead of their idea's.

    Returns
    -------
    tuple of str
        Distinct components in a fixed order: ideas in registry order, then
        comparator codes, then other (declared) codes alphabetically. Empty
        for an arm of inactive codes only.

    Raises
    ------
    ValueError
        When ``ideas_of_declared`` maps a code to something that is not one of
        the eight ideas.
    """
    off = set(inactive)
    declared = dict(ideas_of_declared or {})
    bad = {k: v for k, v in declared.items() if v not in IDEAS}
    if bad:
        raise ValueError(
            f"declared codes must belong to one of the eight ideas {list(IDEAS)}; got {bad}"
        )
    out: set[str] = set()
    for part in split_codes(code):
        if not part or part in off:
            continue
        if not separate_aliases:
            part = IDEA_ALIASES.get(part, declared.get(part, part))
        out.add(part)
    return tuple(sorted(out, key=_component_order))


def combination_code(components: Iterable[str]) -> str:
    """Canonical code of a set of components (``a+b``); :data:`INACTIVE_REFERENCE` if empty.

    >>> combination_code(["quadriceps_strengthening", "glute_strengthening"])
    'glute_strengthening+quadriceps_strengthening'
    >>> combination_code([])
    'inactive'
    """
    parts = sorted(set(components), key=_component_order)
    return "+".join(parts) if parts else INACTIVE_REFERENCE
