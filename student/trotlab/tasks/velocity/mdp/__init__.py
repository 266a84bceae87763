"""The velocity tasks' MDP: the generic terms (trotlab.envs.mdp) and the files students write: the
first assignment's five (required) and the second assignment's ``terrain.py`` (the rough task's
terms; loaded where the folder has it, so a first-assignment folder loads as before).

``load_mdp(choice)`` returns the terms as one value, an ``Mdp``, and the env config builders take
it (``velocity_env_cfg(robot, num_envs, mdp)``, the task's ``env_cfg(play, device, mdp)``): a
config keeps the terms it was built with, whatever is loaded later. ``choice`` is
  "student"    the files in this folder (every command's default);
  "solutions"  the reference MDP, the package ``solutions.velocity.mdp`` of the instructor
               repository (not part of the student kit);
  a path       a folder holding a submission's copies of the files.
The commands' ``--mdp`` option takes the same values. Nothing here holds a current choice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

import trotlab.envs.mdp as generic
from trotlab.grading.todos import BY_ID, LATER_FILES
from trotlab.grading.todos import FILES as MDP_FILES

STUDENT_DIR = Path(__file__).resolve().parent
SOLUTIONS_PACKAGE = "solutions.velocity.mdp"
"""The reference MDP's package: the instructor repository's solutions/velocity/mdp/ (an
importable package there: the editable install and the wheel put the repository root on the
path). The student kit has no such package."""


@dataclasses.dataclass(frozen=True, eq=False)
class Mdp:
  """The terms of one MDP: ``mdp.track_linear_velocity``, ``mdp.time_out``, ... (the generic terms
  of trotlab.envs.mdp, then the public names of the student files, which win on a clash)."""

  source: str
  """The choice it was loaded from: "student", "solutions" or the folder given."""
  folder: Path
  """The folder its files were read from."""
  modules: Mapping[str, ModuleType] = dataclasses.field(repr=False)
  """The loaded modules, by file name (the five, and terrain where the folder has it)."""
  terms: Mapping[str, Any] = dataclasses.field(repr=False)
  """Every name it offers, by name."""

  def __getattr__(self, name: str) -> Any:
    terms = self.__dict__.get("terms")  # absent while copy or pickle builds an instance
    if terms is not None and name in terms:
      return terms[name]
    later = {t.name: t.file for t in BY_ID.values() if t.file in LATER_FILES}
    if name in later and later[name] not in self.__dict__.get("modules", {}):
      raise AttributeError(
        f"{name!r} is not a term of the MDP from {self.__dict__.get('source')!r}: that folder has "
        f"no {later[name]}.py, the second assignment's file the rough task needs (copy it from "
        "the kit's trotlab/tasks/velocity/mdp/ into that folder)"
      )
    raise AttributeError(
      f"{name!r} is not a term of the MDP from {self.__dict__.get('source')!r} (it has the "
      f"generic terms of trotlab.envs.mdp and the public names of {', '.join(MDP_FILES)}; keep "
      "the stubs' names)"
    )

  def __dir__(self) -> list[str]:
    return sorted({*super().__dir__(), *self.terms})


def solutions_dir() -> Path | None:
  """The reference MDP's folder, or None where it is not installed (a student's kit)."""
  try:
    spec = importlib.util.find_spec(SOLUTIONS_PACKAGE)
  except ModuleNotFoundError:  # no package "solutions" (or "solutions.velocity") at all
    return None
  if spec is None or not spec.submodule_search_locations:
    return None
  return Path(next(iter(spec.submodule_search_locations))).resolve()


def _locate(choice: str) -> tuple[Path, str | None]:
  """The folder of ``choice``'s files, and the package they are imported from (None: each is
  executed from its file)."""
  if choice == "student":
    return STUDENT_DIR, __name__
  if choice == "solutions":
    folder = solutions_dir()
    if folder is None:
      raise FileNotFoundError(
        "--mdp solutions: the reference MDP (the package solutions.velocity.mdp) is not "
        "installed. The reference solutions ship only with the instructor repository; students "
        "use --mdp student (the default)."
      )
    return folder, SOLUTIONS_PACKAGE
  path = Path(choice).expanduser().resolve()
  if not path.is_dir():
    choices = "student, solutions or a folder" if solutions_dir() else "student or a folder"
    raise FileNotFoundError(f"--mdp {choice}: no such folder. Give {choices} with the MDP files.")
  if path == STUDENT_DIR:
    return path, __name__
  return path, None


def resolve_mdp_dir(choice: str) -> Path:
  """The folder holding the MDP files for ``choice`` (student | solutions | PATH)."""
  return _locate(choice)[0]


def load_mdp_file(folder: Path, name: str, package: str | None = None) -> ModuleType:
  """One of the student files (``name`` without .py): imported as ``package.name`` when a package is
  given, else executed from ``folder/name.py`` as a fresh module (every call reads the file)."""
  file = folder / f"{name}.py"
  if not file.is_file():
    needed = ", ".join(f"{n}.py" for n in MDP_FILES)
    raise FileNotFoundError(f"MDP file {file} is missing (every MDP folder needs {needed}).")
  if package is not None:
    return importlib.import_module(f"{package}.{name}")
  digest = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:12]
  module_name = f"trotlab_mdp_{digest}.{name}"
  spec = importlib.util.spec_from_file_location(module_name, file)
  assert spec is not None and spec.loader is not None
  module = importlib.util.module_from_spec(spec)
  sys.modules[module_name] = module  # dataclasses look their module up there
  try:
    spec.loader.exec_module(module)
  except BaseException:
    sys.modules.pop(module_name, None)
    raise
  return module


def _public_names(module: ModuleType) -> list[str]:
  """What ``from module import *`` takes."""
  names = getattr(module, "__all__", None)
  if names is None:
    names = [key for key in vars(module) if not key.startswith("_")]
  return list(names)


def load_mdp(choice: str = "student") -> Mdp:
  """The MDP of ``choice`` (student | solutions | PATH): see the module docstring. Raises
  FileNotFoundError with a one-line reason when the folder or one of its files is missing."""
  folder, package = _locate(choice)
  modules = {name: load_mdp_file(folder, name, package) for name in MDP_FILES}
  for name in LATER_FILES:
    if (folder / f"{name}.py").is_file():
      modules[name] = load_mdp_file(folder, name, package)
  terms = {key: getattr(generic, key) for key in _public_names(generic)}
  for module in modules.values():
    terms.update((key, getattr(module, key)) for key in _public_names(module))
  return Mdp(
    source=choice,
    folder=folder,
    modules=MappingProxyType(modules),
    terms=MappingProxyType(terms),
  )
