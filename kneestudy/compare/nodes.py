"""Network nodes for the comparison of the eight ideas.

Each arm's intervention code maps to a node:

1. the first part that is one of the eight ideas (or an alias, ``taping`` ->
   ``physical_therapy``) names the node (:func:`kneestudy.interventions.idea_of`);
2. else a code containing ``quadriceps_strengthening`` is the node
   ``quadriceps_strengthening`` (an active exercise comparator);
3. else (usual care, wait and see, education, sham, placebo, flat inserts) the
   node is ``control``, the common reference.

Examples
--------
>>> node_of("glute_strengthening+quadriceps_strengthening")
'glute_strengthening'
>>> node_of("sham+quadriceps_strengthening")
'quadriceps_strengthening'
>>> node_of("flat_insert")
'control'
"""

from __future__ import annotations

from kneestudy.interventions import idea_of, split_codes

__all__ = ["CONTROL", "QUADRICEPS", "node_of"]

#: The common reference node.
CONTROL = "control"
#: The active exercise comparator node.
QUADRICEPS = "quadriceps_strengthening"


def node_of(code: str) -> str:
    """Network node of a (possibly combined) intervention code (see module doc)."""
    idea = idea_of(code)
    if idea is not None:
        return idea
    if QUADRICEPS in split_codes(code):
        return QUADRICEPS
    return CONTROL
