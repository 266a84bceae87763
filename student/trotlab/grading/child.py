"""The process that runs a submission's code for the autograder (untrusted side).

  python -m trotlab.grading.child JOB_DIR     (protocol.CHILD_MODULE)

The job folder's files (the job, the submission, the inputs, the markers and outputs the child
writes) are trotlab.grading.protocol's. For each TODO, in order, the child marks its start, runs
its probe (trotlab.grading.probes) on every case and writes the arrays and the status. It never
sees expected values and never scores: the grader reads the arrays (numpy, allow_pickle=False)
and judges them (trotlab.grading.judge).
"""

from __future__ import annotations

import errno
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from trotlab.grading import probes, protocol
from trotlab.grading.todos import FILES, LATER_FILES
from trotlab.tasks.velocity.mdp import load_mdp_file
from trotlab.utils.todo import TodoNotImplemented

STUDENT_FILES = {f"{name}.py" for name in FILES + LATER_FILES}


def _where(err: BaseException) -> str:
  """Where the error happened, as " (file.py:line)": the deepest frame in a student's file (the
  grader's copy or the student's own tree), else the deepest frame."""
  frames = traceback.extract_tb(err.__traceback__)
  student = [f for f in frames if Path(f.filename).name in STUDENT_FILES] or frames[-1:]
  if not student:
    return ""
  last = student[-1]
  return f" ({Path(last.filename).name}:{last.lineno})"


def describe(err: BaseException) -> str:
  """One line on ``err`` for the student: the unimplemented TODO, a limit reached, or the error's
  type and message (cut to 500 characters) with where it happened."""
  if isinstance(err, TodoNotImplemented):
    return f"TODO({err.todo_id}) is not implemented"
  if isinstance(err, OSError) and err.errno == errno.EFBIG:
    return f"output size limit reached (a flood of prints?): {err}" + _where(err)
  if isinstance(err, MemoryError):
    return f"MemoryError: out of memory (the memory limit){_where(err)}"
  where = "" if isinstance(err, SyntaxError) else _where(err)  # its message names the line
  return f"{type(err).__name__}: {err}"[:500] + where


class Submission:
  """The submission's files, each imported on first use (a broken file only costs its TODOs)."""

  def __init__(self, folder: Path, marker_dir: Path | None = None) -> None:
    self.folder = folder
    self.marker_dir = marker_dir
    """Where the loading marker is written before an import (a hang there costs the whole
    file), and the loaded marker after it."""
    self._modules: dict[str, ModuleType | BaseException] = {}

  def module(self, name: str) -> ModuleType:
    """The submission's ``name``.py, imported on the first call (between the loading and loaded
    markers when ``marker_dir`` is set). Raises FileNotFoundError or ImportError, on every
    call, when the file is missing or fails to import."""
    if name not in self._modules:
      if not (self.folder / f"{name}.py").is_file():
        self._modules[name] = FileNotFoundError(f"{name}.py is missing from the submission")
      else:
        if self.marker_dir is not None:
          (self.marker_dir / protocol.out_file(name, protocol.LOADING)).touch()
        try:
          self._modules[name] = load_mdp_file(self.folder, name)
        except BaseException as err:  # noqa: BLE001  (SystemExit at import counts as a failure)
          self._modules[name] = ImportError(f"{name}.py {protocol.IMPORT_FAILED}: {describe(err)}")
        if self.marker_dir is not None:
          (self.marker_dir / protocol.out_file(name, protocol.LOADED)).touch()
    found = self._modules[name]
    if isinstance(found, BaseException):
      raise found
    return found

  def get(self, file: str, name: str):
    """The function or class ``name`` of ``file``.py (for "Class.method", the class); raises
    AttributeError when the file does not define it."""
    module = self.module(file)
    owner, _, attr = name.partition(".")
    if not hasattr(module, owner):
      raise AttributeError(f"{file}.py has no {owner!r} (keep the stub's names and signatures)")
    return getattr(module, owner)


def _env_key(task: dict, case: dict) -> tuple:
  """Curricula edit their env's config or its terrain levels: a fresh env per case. Other probes
  share one env per assignment, num_envs and name set (probes.build_env builds the same env for
  every other TODO of an assignment)."""
  if task["kind"] in ("curriculum", "terrain_curriculum"):
    return (task["todo"], case["id"])
  return (task["assignment"], case["num_envs"], case["names"])


def build_envs(job: dict) -> dict[tuple, object]:
  """Every canned env the job's cases need, built before the first TODO starts: a TODO's time
  limit then measures its own code, not the framework's set-up (slow on a busy grader)."""
  envs: dict[tuple, object] = {}
  for task in job["tasks"]:
    for case in task["cases"]:
      key = _env_key(task, case)
      if key not in envs:
        envs[key] = probes.build_env(
          case["num_envs"], task["todo"], case["params"], case["names"], task["assignment"]
        )
  return envs


def run_case(task: dict, case: dict, sub: Submission, sequence: dict | None, envs: dict) -> dict:
  """One case's probe: its arrays. ``sequence``: the case's snapshot inputs (None if it has
  none)."""
  kind, params = task["kind"], case["params"]
  env = envs[_env_key(task, case)]
  if kind == "curriculum":
    return probes.probe_curriculum(env, sub.get(task["file"], task["name"]), task["todo"], params)
  if kind == "terrain_curriculum":
    return probes.probe_terrain_levels(env, sub.get(task["file"], task["name"]), params)
  if kind == "term":
    return probes.probe_term(env, sub.get(task["file"], task["name"]), params, sequence)
  cls = sub.get("velocity_command", "UniformVelocityCommand")
  cfg_cls = sub.get("velocity_command", "UniformVelocityCommandCfg")
  if kind == "resample":
    return probes.probe_resample(env, cls, cfg_cls, params)
  if kind == "update_command":
    return probes.probe_update_command(env, cls, cfg_cls, params, sequence)
  if kind == "metrics":
    return probes.probe_metrics(env, cls, cfg_cls, params, sequence)
  raise ValueError(f"unknown probe kind {kind!r}")


def run_task(
  task: dict, sub: Submission, load_inputs: Callable[[dict], dict | None], envs: dict
) -> tuple[dict, dict[str, np.ndarray]]:
  """Every case of one TODO: its status (ok | todo | error | missing, a message, per-case
  errors) and its arrays (keys: protocol.array_key). ``load_inputs(case)``: a fresh copy of the case's
  snapshot inputs (None if it has none). The grading child and the public self-check both run
  TODOs through here."""
  arrays: dict[str, np.ndarray] = {}
  status = {"status": "ok", "case_errors": {}}
  for case in task["cases"]:
    torch.manual_seed(0)
    try:
      for key, value in run_case(task, case, sub, load_inputs(case), envs).items():
        arrays[protocol.array_key(case["id"], key)] = value
    except TodoNotImplemented as err:
      status = {"status": "todo", "message": describe(err), "case_errors": {}}
      break
    except (FileNotFoundError, ImportError) as err:
      status = {
        "status": "missing" if isinstance(err, FileNotFoundError) else "error",
        "message": str(err),
        "case_errors": {},
      }
      break
    except MemoryError as err:  # every case would fill memory again: its other cases not run
      message = f"{describe(err)}; the TODO's other cases were not run"
      status = {"status": "error", "message": message, "case_errors": {}}
      break
    except Exception as err:  # a bug in the student's code: that case fails, the others run
      status["case_errors"][case["id"]] = describe(err)
  return status, arrays


def job_inputs(job_dir: Path) -> Callable[[dict], dict | None]:
  """Reads a job case's snapshot inputs from its file under ``job_dir``."""

  def load(case: dict) -> dict | None:
    """The case's snapshot inputs as {key: array}, read afresh; None if it has none."""
    if not case.get("inputs"):
      return None
    with np.load(job_dir / case["inputs"], allow_pickle=False) as data:
      return {key: data[key] for key in data.files}

  return load


def run_job(job_dir: Path) -> None:
  """Run every TODO of the job in ``job_dir``, in order: its started marker, then its arrays
  and its status in the out folder."""
  job = json.loads((job_dir / protocol.JOB_FILE).read_text())
  out_dir = job_dir / protocol.OUT_DIR
  out_dir.mkdir(exist_ok=True)
  torch.set_num_threads(1)
  sub = Submission(job_dir / protocol.SUBMISSION_DIR, marker_dir=out_dir)
  envs = build_envs(job)
  for task in job["tasks"]:
    todo = task["todo"]
    (out_dir / protocol.out_file(todo, protocol.STARTED)).touch()
    status, arrays = run_task(task, sub, job_inputs(job_dir), envs)
    np.savez(out_dir / protocol.out_file(todo, protocol.ARRAYS), **arrays)
    (out_dir / protocol.out_file(todo, protocol.STATUS)).write_text(json.dumps(status))


if __name__ == "__main__":
  run_job(Path(sys.argv[1]))
