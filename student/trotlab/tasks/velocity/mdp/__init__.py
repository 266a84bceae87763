"""The velocity task's MDP terms: the generic ones (trotlab.envs.mdp) and the five student files.

``use_mdp(source)`` chooses where the student files come from:
  "student"    the files in this folder (the default);
  "solutions"  the reference in the instructor repository (solutions/velocity/mdp/);
  a path       a folder holding a submission's copies of the five files.
The env configs look terms up on this module when they are built, so call ``use_mdp`` before
building an env (the CLIs do it for ``--mdp``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from trotlab.envs.mdp import *  # noqa: F403  (generic terms: time_out, action_rate_l2, ...)
from trotlab.grading.todos import FILES as MDP_FILES

STUDENT_DIR = Path(__file__).parent
SOLUTIONS_DIR = Path(__file__).resolve().parents[5] / "solutions" / "velocity" / "mdp"

source: str = "student"
"""Where the student terms now come from ("student", "solutions" or a folder path)."""
modules: dict[str, ModuleType] = {}
"""The five loaded modules, by file name."""


def resolve_mdp_dir(choice: str) -> Path:
  """The folder holding the five MDP files for ``choice`` (student | solutions | PATH)."""
  if choice == "student":
    return STUDENT_DIR
  if choice == "solutions":
    if not SOLUTIONS_DIR.is_dir():
      raise FileNotFoundError(
        f"--mdp solutions: {SOLUTIONS_DIR} does not exist. The reference solutions ship only "
        "with the instructor repository; students use --mdp student (the default)."
      )
    return SOLUTIONS_DIR
  path = Path(choice).expanduser().resolve()
  if not path.is_dir():
    raise FileNotFoundError(f"--mdp {choice}: no such folder. Give student, solutions or a folder.")
  return path


def _load_file(folder: Path, name: str, tag: str) -> ModuleType:
  file = folder / f"{name}.py"
  if not file.is_file():
    raise FileNotFoundError(f"MDP file {file} is missing (every MDP folder needs {MDP_FILES}).")
  module_name = f"trotlab_mdp_{tag}.{name}"
  spec = importlib.util.spec_from_file_location(module_name, file)
  assert spec is not None and spec.loader is not None
  module = importlib.util.module_from_spec(spec)
  sys.modules[module_name] = module
  spec.loader.exec_module(module)
  return module


def use_mdp(choice: str = "student") -> None:
  """Load the five student files from ``choice`` and expose their public names here."""
  global source
  folder = resolve_mdp_dir(choice)
  loaded = {}
  for name in MDP_FILES:
    if folder == STUDENT_DIR:
      loaded[name] = importlib.import_module(f"{__name__}.{name}")
    else:
      loaded[name] = _load_file(
        folder, name, "solutions" if folder == SOLUTIONS_DIR else f"path{abs(hash(str(folder)))}"
      )
  namespace = globals()
  for old in modules.values():
    for key in getattr(old, "__all__", ()):
      namespace.pop(key, None)
  for module in loaded.values():
    for key in getattr(module, "__all__", ()):
      namespace[key] = getattr(module, key)
  modules.clear()
  modules.update(loaded)
  source = choice


use_mdp("student")
