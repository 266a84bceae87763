"""Mutants: copies of the reference MDP with one common mistake each (hidden/mutants.toml)."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS_FILE = ROOT / "autograder" / "hidden" / "mutants.toml"
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"


@dataclasses.dataclass(frozen=True)
class Mutant:
  todo: str
  category: str
  file: str
  old: str
  new: str
  rule: str | None = None
  """The rule of the TODO's registry entry (trotlab.grading.todos) the mistake breaks, if one."""

  @property
  def key(self) -> str:
    return f"{self.todo}_{self.category}"


def load_mutants(path: Path = MUTANTS_FILE) -> list[Mutant]:
  if not path.is_file():
    return []
  return [Mutant(**entry) for entry in tomllib.loads(path.read_text())["mutant"]]


MUTANTS = load_mutants()


def write_mutant(mutant: Mutant, folder: Path, source: Path = SOLUTIONS) -> Path:
  """Copy the reference's five files to ``folder`` with the mutant's edit made. Returns folder."""
  folder.mkdir(parents=True, exist_ok=True)
  for file in source.glob("*.py"):
    shutil.copy(file, folder / file.name)
  target = folder / mutant.file
  text = target.read_text()
  if text.count(mutant.old) != 1:
    raise ValueError(
      f"mutant {mutant.key}: its text occurs {text.count(mutant.old)} times in {mutant.file}, expected once"
    )
  target.write_text(text.replace(mutant.old, mutant.new))
  return folder
