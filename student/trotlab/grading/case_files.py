"""The canned cases as the judge sees them, and their files.

Case files (``.npz``, numpy only, no pickles): ``meta`` (JSON: name, public, num_envs, names:
the name set of its canned env, todos: {TODO id: params}, and a public case's description and notes: {TODO id: what it shows
for that TODO}), ``in/<key>`` (the snapshot sequence, see
trotlab.grading.snapshot), ``expected/<todo>/<key>`` (the reference's probe outputs) and
``diag/<category>/<todo>/value`` (outputs of known mistakes). The public ones ship in
``public_cases/`` next to this module; the grader's hidden ones never leave the instructor
repository.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

PUBLIC_CASES_DIR = Path(__file__).resolve().parent / "public_cases"
"""The public cases: package data, so the installed kit finds them."""


@dataclasses.dataclass
class Case:
  """One canned case as the judge sees it."""

  name: str
  public: bool
  num_envs: int
  todos: dict[str, dict]
  """TODO id -> params for this case."""
  inputs: dict[str, np.ndarray]
  expected: dict[str, np.ndarray]
  """"<todo>/<key>" -> array."""
  diag: dict[str, np.ndarray]
  """"<category>/<todo>/value" -> array."""
  description: str = ""
  """What the case's states show, in one line (public cases)."""
  names: str = "canned"
  """The name set of the canned env it runs in (trotlab.grading.protocol.NAME_SETS)."""
  notes: dict[str, str] = dataclasses.field(default_factory=dict)
  """TODO id -> what the states show for that TODO only (public cases)."""

  def describe(self, todo: str) -> str:
    """What the case's states show, for a failure of ``todo``."""
    return "; ".join(text for text in (self.description, self.notes.get(todo, "")) if text)


def _strip(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
  return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def case_from_arrays(arrays: dict[str, np.ndarray]) -> Case:
  """A case from the arrays of its file (read by the caller: the grader reads archives its own
  way)."""
  meta = json.loads(str(arrays["meta"]))
  parts = [_strip(arrays, prefix) for prefix in ("in/", "expected/", "diag/")]
  return Case(
    meta["name"],
    meta["public"],
    meta["num_envs"],
    meta["todos"],
    *parts,
    meta.get("description", ""),
    meta["names"],
    meta.get("notes", {}),
  )


def load_public_cases(folder: Path = PUBLIC_CASES_DIR) -> list[Case]:
  """The public cases shipped with the kit (the self-check's; the grader reads them itself)."""
  found = []
  for path in sorted(folder.glob("*.npz")):
    with np.load(path, allow_pickle=False) as archive:
      found.append(case_from_arrays({key: archive[key] for key in archive.files}))
  return found
