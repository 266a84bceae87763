"""Term checks: run a submission's TODOs on the canned cases in the sandbox and score them.

Each TODO's points (the registry, trotlab.grading.todos) are split evenly over its cases (public
and hidden). The sandboxed child (trotlab.checks.child) runs the probes and writes their arrays;
this module reads them back (untrusted data: numbers only) and hands them to the judge
(trotlab.grading.judge), the same rules ``uv run check`` applies to the public cases. The public
cases are the student package's (trotlab/grading/public_cases/), the hidden ones are
autograder/hidden/; hidden cases add cases, never other rules.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np

from autograder import cases as C
from autograder.npz import read_npz
from autograder.sandbox import ChildResult, Limits, read_child_file, run_in_sandbox
from trotlab.grading import protocol
from trotlab.grading.judge import (
  PUBLIC_CASES_DIR,
  Case,
  TodoResult,
  case_from_arrays,
  judge_todo,
)

ROOT = Path(__file__).resolve().parents[1]
RUBRIC_FILE = ROOT / "autograder" / "public" / "rubric.toml"
HIDDEN_DIR = ROOT / "autograder" / "hidden"
CASE_DIRS = (PUBLIC_CASES_DIR, HIDDEN_DIR)
"""The public cases (shipped in the student package) and the hidden ones (never shipped)."""
MDP_FILES = C.FILES


def load_rubric(path: Path = RUBRIC_FILE) -> dict:
  return tomllib.loads(path.read_text())


def load_cases(dirs: tuple[Path, ...] = CASE_DIRS) -> list[Case]:
  found = [
    case_from_arrays(read_npz(path)) for folder in dirs for path in sorted(folder.glob("*.npz"))
  ]
  if not found:
    raise FileNotFoundError(
      f"No canned cases in {[str(d) for d in dirs]}: run `uv run python -m autograder.record_cases`."
    )
  return found


def _case_todos(cases: list[Case]) -> dict[str, list[Case]]:
  by_todo: dict[str, list[Case]] = {t.todo: [] for t in C.TODOS}
  for case in cases:
    for todo in case.todos:
      by_todo[todo].append(case)
  return by_todo


def write_job(
  job_dir: Path, submission: Path, todos: list[str], by_todo: dict[str, list[Case]]
) -> None:
  """The child's inputs: the submission's five files, the snapshot inputs (never the expected
  values) and the job file (trotlab.grading.protocol)."""
  (job_dir / protocol.SUBMISSION_DIR).mkdir(parents=True, exist_ok=True)
  for name in MDP_FILES:
    if (submission / f"{name}.py").is_file():
      shutil.copy(submission / f"{name}.py", job_dir / protocol.SUBMISSION_DIR / f"{name}.py")
  (job_dir / protocol.INPUTS_DIR).mkdir(exist_ok=True)
  tasks = []
  for todo in todos:
    spec = C.BY_ID[todo]
    entries = []
    for case in by_todo[todo]:
      inputs = None
      if case.inputs:
        inputs = protocol.inputs_file(case.name)
        if not (job_dir / inputs).exists():
          np.savez(job_dir / inputs, **case.inputs)
      entries.append(protocol.job_case(case.name, case.num_envs, case.todos[todo], inputs))
    tasks.append(protocol.task(spec, entries))
  (job_dir / protocol.JOB_FILE).write_text(json.dumps(protocol.job(tasks)))


def _read_outputs(
  job_dir: Path, todo: str, max_bytes: int
) -> tuple[dict | None, dict[str, dict[str, np.ndarray]]]:
  """The child's status and arrays for ``todo`` (None when it wrote none). The child wrote them:
  links are not followed, and only a JSON object and numeric arrays count."""
  try:
    out = protocol.OUT_DIR
    status_bytes = read_child_file(job_dir, out, protocol.status_file(todo), max_bytes=max_bytes)
    arrays_bytes = read_child_file(job_dir, out, protocol.arrays_file(todo), max_bytes=max_bytes)
  except FileNotFoundError:
    return None, {}
  except (OSError, ValueError) as err:
    return {"status": "error", "message": f"unreadable output: {err}"}, {}
  try:
    status = json.loads(status_bytes)
    if not isinstance(status, dict):
      raise ValueError(f"{protocol.status_file(todo)} does not hold a JSON object")
    per_case: dict[str, dict[str, np.ndarray]] = {}
    for key, array in read_npz(arrays_bytes).items():
      case, field = protocol.split_array_key(key)
      # numbers, and the names of the output's dtype and device; anything else is dropped
      if array.dtype.kind in "biuf" or (field in protocol.TEXT_FIELDS and array.dtype.kind == "U"):
        per_case.setdefault(case, {})[field] = array
    return status, per_case
  except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
    return {"status": "error", "message": f"unreadable output: {err}"}, {}


def _ran_past(marker: Path, seconds: float) -> bool:
  """The TODO whose start ``marker`` records ran longer than ``seconds`` (until now)."""
  try:
    return time.time() - marker.lstat().st_mtime > seconds
  except OSError:
    return True


def run_todos(submission: Path, todos: list[str], by_todo, limits: Limits, log=print) -> dict:
  """Run the TODOs in sandboxed children; a TODO that hangs or kills its child is recorded as a
  failure and a new child goes on with the rest. Returns todo -> (status dict, per-case arrays)."""
  results: dict[str, tuple[dict, dict]] = {}
  remaining = list(todos)
  retried: set[str] = set()
  with tempfile.TemporaryDirectory(prefix="trotlab-grade-") as tmp:
    Path(tmp).chmod(0o711)  # the sandbox user may pass through to its own job dir, not list
    attempt = 0
    while remaining:
      attempt += 1
      job_dir = Path(tmp) / f"job{attempt}"
      job_dir.mkdir()
      write_job(job_dir, submission, remaining, by_todo)
      out_dir = job_dir / protocol.OUT_DIR

      def current_overdue(out_dir: Path = out_dir) -> bool:
        """The TODO the child works on now has run past per_task_s."""
        started = []
        for marker in out_dir.glob(f"*{protocol.STARTED}"):
          with contextlib.suppress(OSError):  # the child may remove it meanwhile
            started.append((marker.lstat().st_mtime, marker.stem))
        if not started:
          return False
        mtime, todo = max(started)
        if (out_dir / protocol.status_file(todo)).exists():
          return False
        return time.time() - mtime > limits.per_task_s

      child: ChildResult = run_in_sandbox(
        ["-m", protocol.CHILD_MODULE, str(job_dir)], job_dir, limits, poll=current_overdue
      )
      progressed = False
      for todo in list(remaining):
        status, arrays = _read_outputs(job_dir, todo, limits.file_bytes)
        if status is not None:
          results[todo] = (status, arrays)
          remaining.remove(todo)
          progressed = True
        elif (out_dir / protocol.started_marker(todo)).exists():
          if (
            child.timed_out
            and todo not in retried
            and not _ran_past(out_dir / protocol.started_marker(todo), limits.per_task_s)
          ):
            # the whole child's wall-clock ran out while this TODO was within its own limit:
            # the time went to the TODOs before it, so it gets one more try in a fresh child
            retried.add(todo)
            progressed = True
            break
          category = "timeout" if child.timed_out else "crash"
          why = child.describe()
          message = f"{why}. Output tail: {child.output[-300:]}"
          results[todo] = ({"status": category, "message": message}, {})
          remaining.remove(todo)
          progressed = True
          log(f"    TODO({todo}): {why}")
          file = C.BY_ID[todo].file
          if (out_dir / protocol.loading_marker(file)).exists() and not (
            out_dir / protocol.loaded_marker(file)
          ).exists():  # it died importing the file: all its TODOs
            for other in [t for t in remaining if C.BY_ID[t].file == file]:
              results[other] = (
                {"status": category, "message": f"{file}.py: importing it {why}"},
                {},
              )
              remaining.remove(other)
          break
      if not progressed:  # the child died before its first TODO (e.g. at start-up)
        for todo in remaining:
          results[todo] = (
            {
              "status": "crash",
              "message": f"the grading process could not start: {child.describe()}. Output tail: {child.output[-500:]}",
            },
            {},
          )
        remaining = []
  return results


def grade_terms(
  submission: Path, limits: Limits | None = None, todos: list[str] | None = None, log=print
) -> list[TodoResult]:
  """Score every TODO (or the given ones) of the submission folder."""
  cases = load_cases()
  by_todo = _case_todos(cases)
  todos = todos or [t.todo for t in C.TODOS]
  outcomes = run_todos(submission, todos, by_todo, limits or Limits(), log=log)
  return [judge_todo(todo, C.BY_ID[todo].points, by_todo[todo], *outcomes[todo]) for todo in todos]
