"""Term checks: run a submission's TODOs on the canned cases in the sandbox and score them.

Each TODO's points (the registry, trotlab.grading.todos) are split evenly over its cases (public
and hidden). The sandboxed child (trotlab.grading.child) runs the probes and writes their arrays;
this module reads them back (untrusted data: numbers only) and hands them to the judge
(trotlab.grading.judge), the same rules ``uv run check`` applies to the public cases. The public
cases are the student package's (trotlab/grading/public_cases/), the hidden ones are
autograder/hidden/; hidden cases add cases, never other rules.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from autograder.npz import OutputTooLarge, read_npz
from autograder.sandbox import ChildResult, Limits, read_child_file, run_in_sandbox
from trotlab.grading import protocol
from trotlab.grading.case_files import PUBLIC_CASES_DIR, Case, case_from_arrays
from trotlab.grading.judge import TodoResult, judge_todo
from trotlab.grading.todos import BY_ID, FILES, TODOS

ROOT = Path(__file__).resolve().parents[1]
RUBRIC_FILE = ROOT / "autograder" / "public" / "rubric.toml"
HIDDEN_DIR = ROOT / "autograder" / "hidden"
CASE_DIRS = (PUBLIC_CASES_DIR, HIDDEN_DIR)
"""The public cases (shipped in the student package) and the hidden ones (never shipped)."""
MDP_FILES = FILES


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
  by_todo: dict[str, list[Case]] = {todo: [] for todo in BY_ID}
  for case in cases:
    for todo in case.todos:
      by_todo[todo].append(case)
  return by_todo


def write_job(
  job_dir: Path, submission: Path, todos: list[str], by_todo: dict[str, list[Case]]
) -> None:
  """The child's inputs: the submission's files of ``todos``, the snapshot inputs (never the
  expected values) and the job file (trotlab.grading.protocol)."""
  (job_dir / protocol.SUBMISSION_DIR).mkdir(parents=True, exist_ok=True)
  for name in dict.fromkeys(BY_ID[todo].file for todo in todos):
    if (submission / f"{name}.py").is_file():
      shutil.copy(submission / f"{name}.py", job_dir / protocol.SUBMISSION_DIR / f"{name}.py")
  (job_dir / protocol.INPUTS_DIR).mkdir(exist_ok=True)
  tasks = []
  for todo in todos:
    spec = BY_ID[todo]
    entries = []
    for case in by_todo[todo]:
      inputs = None
      if case.inputs:
        inputs = protocol.inputs_file(case.name)
        if not (job_dir / inputs).exists():
          np.savez(job_dir / inputs, **case.inputs)
      entries.append(
        protocol.job_case(case.name, case.num_envs, case.todos[todo], inputs, case.names)
      )
    tasks.append(protocol.task(spec, entries))
  (job_dir / protocol.JOB_FILE).write_text(json.dumps(protocol.job(tasks)))


MAX_STATUS_BYTES = 4 << 20
"""Largest out/<todo>.json the grader reads (an honest one is a few KB: the child cuts messages at
500 characters); it is parsed, then only bounded parts of it are kept (``_clean_status``)."""
MAX_OUTPUT_BYTES = 4 << 20
"""Most bytes a TODO's arrays may hold together, declared sizes checked before unpacking (the
honest outputs of every case of a TODO hold under 0.2 MB)."""
MAX_MESSAGE = 2000
"""A message from the child is cut to this many characters, once, where it is read."""
OUTPUT_KINDS = "biufU"
"""dtype kinds the child's arrays may have (numbers; text for protocol.TEXT_FIELDS)."""
CHILD_STATUSES = ("ok", "todo", "error", "missing")


def _text(value) -> str:
  """A message from the child as bounded text."""
  if not isinstance(value, str):
    return f"(a {type(value).__name__} where a message was expected)"
  return value if len(value) <= MAX_MESSAGE else value[:MAX_MESSAGE] + " [...cut]"


def _clean_status(raw: dict, cases: set[str]) -> dict:
  """The child's status with only what the judge reads: a known status, bounded messages, case
  errors of the TODO's own cases."""
  kind = raw.get("status")
  status: dict = {"status": kind if kind in CHILD_STATUSES else "error", "case_errors": {}}
  if kind not in CHILD_STATUSES:
    status["message"] = "unreadable output: an unknown status"
  elif "message" in raw:
    status["message"] = _text(raw["message"])
  errors = raw.get("case_errors")
  if isinstance(errors, dict):
    status["case_errors"] = {c: _text(m) for c, m in errors.items() if c in cases}
  return status


def _read_outputs(
  job_dir: Path, todo: str, max_bytes: int, cases: set[str] | None = None
) -> tuple[dict | None, dict[str, dict[str, np.ndarray]]]:
  """The child's status and arrays for ``todo`` (None when it wrote none); ``cases``: the TODO's
  case names (None: any). The child wrote them: links are not followed, only a JSON object and
  numeric arrays count, the arrays are bounded (MAX_OUTPUT_BYTES, checked before unpacking) and
  the messages cut (MAX_MESSAGE). Anything unusable (too large, malformed, nested too deep, not
  numbers) is that TODO's failure, category too_large or bad_output, never the grader's."""
  out = protocol.OUT_DIR
  try:
    status_bytes = read_child_file(
      job_dir, out, protocol.out_file(todo, protocol.STATUS), max_bytes=MAX_STATUS_BYTES
    )
    arrays_bytes = read_child_file(
      job_dir, out, protocol.out_file(todo, protocol.ARRAYS), max_bytes=max_bytes
    )
  except FileNotFoundError:
    return None, {}
  except Exception as err:  # a link, not a regular file, larger than its bound
    return {"status": "bad_output", "message": _text(f"unreadable output: {err}")}, {}
  try:
    raw = json.loads(status_bytes)
    del status_bytes
    if not isinstance(raw, dict):
      raise ValueError(f"{protocol.out_file(todo, protocol.STATUS)} does not hold a JSON object")
    status = _clean_status(raw, cases if cases is not None else set(raw.get("case_errors") or ()))
    del raw
    per_case: dict[str, dict[str, np.ndarray]] = {}
    arrays = read_npz(arrays_bytes, max_bytes=MAX_OUTPUT_BYTES, kinds=OUTPUT_KINDS)
    for key, array in arrays.items():
      case, field = protocol.split_array_key(key)
      if cases is not None and case not in cases:
        continue
      # numbers, and the names of the output's dtype and device; anything else is dropped
      if array.dtype.kind in "biuf" or (field in protocol.TEXT_FIELDS and array.dtype.kind == "U"):
        per_case.setdefault(case, {})[field] = array
    return status, per_case
  except OutputTooLarge as err:
    return {"status": "too_large", "message": _text(f"output too large: {err}")}, {}
  except Exception as err:  # RecursionError, MemoryError, UnicodeDecodeError, BadZipFile, ...
    message = _text(f"unreadable output: {type(err).__name__}: {err}")
    return {"status": "bad_output", "message": message}, {}


class TodoClock:
  """The per-TODO clock: when the grader first saw each TODO's start marker, by its own
  monotonic clock (never the marker's mtime, which the child controls)."""

  def __init__(self, out_dir: Path, todos: list[str]) -> None:
    self.out_dir = out_dir
    self.todos = list(todos)
    self.seen: dict[str, float] = {}

  def _exists(self, name: str) -> bool:
    return os.path.lexists(self.out_dir / name)

  def overdue(self, seconds: float) -> bool:
    """Look for new markers; True when a started TODO without a status has run past
    ``seconds`` since the grader saw it start."""
    now = time.monotonic()
    for todo in self.todos:
      if todo not in self.seen and self._exists(protocol.out_file(todo, protocol.STARTED)):
        self.seen[todo] = now
    return any(
      now - at > seconds
      for todo, at in self.seen.items()
      if not self._exists(protocol.out_file(todo, protocol.STATUS))
    )

  def ran_past(self, todo: str, seconds: float) -> bool:
    """``todo`` has run longer than ``seconds`` (until now) since the grader saw it start."""
    at = self.seen.get(todo)
    return at is not None and time.monotonic() - at > seconds


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
      clock = TodoClock(out_dir, remaining)
      child: ChildResult = run_in_sandbox(
        ["-m", protocol.CHILD_MODULE, str(job_dir)],
        job_dir,
        limits,
        poll=lambda clock=clock: clock.overdue(limits.per_task_s),
      )
      progressed = False
      for todo in list(remaining):
        names = {case.name for case in by_todo[todo]}
        status, arrays = _read_outputs(job_dir, todo, limits.file_bytes, names)
        if status is not None:
          results[todo] = (status, arrays)
          remaining.remove(todo)
          progressed = True
        elif (out_dir / protocol.out_file(todo, protocol.STARTED)).exists():
          if (
            child.timed_out and todo not in retried and not clock.ran_past(todo, limits.per_task_s)
          ):
            # the whole child's wall-clock ran out while this TODO was within its own limit:
            # the time went to the TODOs before it, so it gets one more try in a fresh child
            retried.add(todo)
            progressed = True
            break
          category = "disk" if child.disk_exceeded else "timeout" if child.timed_out else "crash"
          why = child.describe()
          message = f"{why}. Output tail: {child.output[-300:]}"
          results[todo] = ({"status": category, "message": message}, {})
          remaining.remove(todo)
          progressed = True
          log(f"    TODO({todo}): {why}")
          file = BY_ID[todo].file
          if (out_dir / protocol.out_file(file, protocol.LOADING)).exists() and not (
            out_dir / protocol.out_file(file, protocol.LOADED)
          ).exists():  # it died importing the file: all its TODOs
            for other in [t for t in remaining if BY_ID[t].file == file]:
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
  submission: Path,
  limits: Limits | None = None,
  todos: list[str] | None = None,
  log=print,
  unread: dict[str, str] | None = None,
) -> list[TodoResult]:
  """Score every TODO of the first assignment (or the given ones) of the submission folder.
  ``unread``: file name (e.g. "rewards.py") -> why the submission's file is not graded (the
  Submission's): its TODOs score zero with that reason, no child runs them."""
  cases = load_cases()
  by_todo = _case_todos(cases)
  todos = todos or [t.todo for t in TODOS]
  unread = unread or {}
  skipped = {t: f"{BY_ID[t].file}.py" for t in todos if f"{BY_ID[t].file}.py" in unread}
  run = [t for t in todos if t not in skipped]
  outcomes = run_todos(submission, run, by_todo, limits or Limits(), log=log) if run else {}
  for todo, file in skipped.items():
    category = "missing" if unread[file].startswith("missing") else "ignored"
    outcomes[todo] = ({"status": category, "message": f"{file} {unread[file]}"}, {})
  return [judge_todo(todo, BY_ID[todo].points, by_todo[todo], *outcomes[todo]) for todo in todos]
