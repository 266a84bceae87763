"""Term checks: run a submission's TODOs on the canned cases in the sandbox and score them.

Each TODO's points (the registry, trotlab.grading.todos) are split evenly over its cases (public and hidden).
A case passes when the output has the reference's shape, dtype and device, holds no NaN, left
its inputs untouched, does not depend on other envs, and matches the reference values within
tolerance. A failing case gets a category: the fingerprint of a known mistake it matches
(hidden/mutants.toml, recorded by record_cases.py), else sign, scale or value; or the check it
failed (shape, dtype, nan, in_place, leak, error, todo, missing, timeout, crash). Public cases
also show the first mismatching entry, expected vs got; hidden cases show pass/fail and the
category only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import math
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

ROOT = Path(__file__).resolve().parents[1]
RUBRIC_FILE = ROOT / "autograder" / "public" / "rubric.toml"
CASE_DIRS = (ROOT / "autograder" / "public" / "cases", ROOT / "autograder" / "hidden")
MDP_FILES = C.FILES

HINTS = {
  "sign": "a sign looks flipped (e.g. command + measured where the formula has command - measured)",
  "frame": "frame suspected: the values match a world-frame (_w) computation where the body frame (_b) is asked for, or the reverse",
  "missing_term": "a part of the formula is missing (e.g. the vertical velocity v_z in the tracking error)",
  "abs_vs_square": "squared where the formula takes an absolute value, or the reverse",
  "std": "std used wrongly: the formula divides by std^2",
  "off_by_one": "one env step off (the air time counts the touch-down step once)",
  "clip": "a clip is missing (the heading controller's yaw rate is clipped to ranges.ang_vel_z)",
  "turning_yaw": "turning envs keep their yaw rate: zero only their linear command (vx, vy)",
  "stage_boundary": "curriculum stage boundary off by one: a stage is active from its step on (step <= counter)",
  "scale": "the values are off by a constant factor",
  "value": "wrong values (no common mistake recognised)",
  "shape": "wrong output shape",
  "dtype": "wrong dtype (rewards and observations: float32; terminations: bool)",
  "device": "the output is not on env.device",
  "nan": "the output holds NaN or inf",
  "in_place": "the term modified its inputs in place (e.g. `x -= ...` on a view of the robot's state)",
  "leak": "an env's output depends on other envs (use per-env operations, dim=1, not whole-batch ones)",
  "error": "raised an exception",
  "todo": "not implemented",
  "missing": "the file is missing from the submission",
  "timeout": "took too long (time limit)",
  "crash": "the process running it ended abnormally",
  "range": "a sample left its range",
  "distribution": "the samples do not look uniform over the range",
  "fraction": "the fraction of heading, turning or standing envs is off",
  "untouched": "envs not in env_ids were changed",
  "heading_flag": "is_heading_env must stay False when cfg.heading_command is False",
}


def load_rubric(path: Path = RUBRIC_FILE) -> dict:
  return tomllib.loads(path.read_text())


@dataclasses.dataclass
class GraderCase:
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


def _strip(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
  return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def _failure(case: GraderCase, category: str, message: str = "") -> CaseResult:
  return CaseResult(case.name, case.public, False, category, message or HINTS[category])


def load_cases(dirs: tuple[Path, ...] = CASE_DIRS) -> list[GraderCase]:
  found = []
  for folder in dirs:
    for path in sorted(folder.glob("*.npz")):
      arrays = read_npz(path)
      meta = json.loads(str(arrays["meta"]))
      parts = [_strip(arrays, prefix) for prefix in ("in/", "expected/", "diag/")]
      found.append(
        GraderCase(meta["name"], meta["public"], meta["num_envs"], meta["todos"], *parts)
      )
  if not found:
    raise FileNotFoundError(
      f"No canned cases in {[str(d) for d in dirs]}: run `uv run python -m autograder.record_cases`."
    )
  return found


@dataclasses.dataclass
class CaseResult:
  case: str
  public: bool
  passed: bool
  category: str = ""
  message: str = ""


@dataclasses.dataclass
class TodoResult:
  todo: str
  name: str
  score: float
  max_score: float
  cases: list[CaseResult]

  @property
  def passed(self) -> int:
    return sum(c.passed for c in self.cases)

  def feedback(self) -> str:
    lines = [
      f"TODO({self.todo}) {self.name}: {self.passed}/{len(self.cases)} cases, {self.score:g}/{self.max_score:g} points"
    ]
    for c in self.cases:
      label = c.case if c.public else "hidden case"
      verdict = "pass" if c.passed else f"FAIL [{c.category}] {c.message}".rstrip()
      lines.append(f"  {label}: {verdict}")
    return "\n".join(lines)


def _close(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
  return got.shape == ref.shape and bool(
    np.allclose(got, ref, rtol=rtol, atol=atol, equal_nan=False)
  )


def _first_mismatch(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> str:
  bad = ~np.isclose(got, ref, rtol=rtol, atol=atol)
  index = tuple(int(i) for i in np.argwhere(bad)[0])
  where = f"call {index[0]}" + (f", env {index[1]}" if len(index) > 1 else "")
  rest = f", index {index[2:]}" if len(index) > 2 else ""
  return f"first mismatch at {where}{rest}: expected {ref[index]:.6g}, got {got[index]:.6g}"


def categorize(
  todo: str, case: GraderCase, got: np.ndarray, ref: np.ndarray, rtol: float, atol: float
) -> str:
  """The likeliest mistake behind a value mismatch."""
  for key, value in case.diag.items():
    category, diag_todo, _ = key.split("/")
    if diag_todo == todo and _close(got, value, rtol, atol):
      return category
  if _close(got, -ref, rtol, atol) and np.abs(ref).max() > atol:
    return "sign"
  denom = float(np.sum(ref * ref))
  if denom > 0:
    k = float(np.sum(got * ref)) / denom
    if abs(k - 1) > 1e-3 and _close(got, k * ref, rtol * 10, atol * 10):
      return "scale"
  return "value"


def judge_value(todo: str, case: GraderCase, got: dict[str, np.ndarray]) -> CaseResult:
  """Judge a probe with a "value" output (terms, C2, C3, curricula)."""
  rtol, atol = C.TOLERANCE.get(todo, C.DEFAULT_TOLERANCE)
  ref = case.expected[f"{todo}/value"]
  value = got.get("value")
  fail = functools.partial(_failure, case)
  if value is None:
    return fail("error", "no output was recorded")
  if value.shape != ref.shape:
    per_call = lambda a: tuple(a.shape[1:])  # noqa: E731
    return fail("shape", f"expected shape {per_call(ref)} per call, got {per_call(value)}")
  if not np.all(np.isfinite(value)) and np.all(np.isfinite(ref)):
    return fail("nan")
  if f"{todo}/dtype" in case.expected:
    if str(got.get("dtype")) != str(case.expected[f"{todo}/dtype"]):
      return fail(
        "dtype", f"expected dtype {case.expected[f'{todo}/dtype']}, got {got.get('dtype')}"
      )
    if str(got.get("device")) != str(case.expected[f"{todo}/device"]):
      return fail(
        "device", f"expected device {case.expected[f'{todo}/device']}, got {got.get('device')}"
      )
    if not np.all(got.get("inputs_kept", np.zeros(1)) == 1.0):
      return fail("in_place")
  if f"{todo}/leak_value" in case.expected:
    leak = got.get("leak_value")
    if (
      leak is None
      or leak.shape != value.shape
      or not np.allclose(leak[:, 1:], value[:, 1:], rtol=1e-5, atol=1e-6)
    ):
      return fail("leak")
  if _close(value, ref, rtol, atol):
    return CaseResult(case.name, case.public, True)
  category = categorize(todo, case, value, ref, rtol, atol)
  message = HINTS[category]
  if case.public:
    message += "; " + _first_mismatch(value, ref, rtol, atol)
  return fail(category, message)


def judge_resample(case: GraderCase, got: dict[str, np.ndarray]) -> CaseResult:
  """C1 by rules: ranges, uniformity, fractions, untouched envs, the heading flag."""
  params = case.todos["C1"]
  cfg, ranges = params["cfg"], params["cfg"]["ranges"]
  k, draws = len(params["env_ids"]), params["draws"]
  fail = functools.partial(_failure, case)
  shapes = {
    "vel": (draws, k, 3),
    "heading_target": (draws, k),
    "is_heading": (draws, k),
    "is_turning": (draws, k),
    "is_standing": (draws, k),
  }
  for key, shape in shapes.items():
    if key not in got or got[key].shape != shape:
      return fail(
        "shape", f"{key}: expected {shape}, got {None if key not in got else got[key].shape}"
      )
  samples = {
    "lin_vel_x": got["vel"][..., 0],
    "lin_vel_y": got["vel"][..., 1],
    "ang_vel_z": got["vel"][..., 2],
    "heading": got["heading_target"],
  }
  detail = lambda text: text if case.public else ""  # noqa: E731
  for name, x in samples.items():
    lo, hi = ranges[name]
    if x.min() < lo - 1e-6 or x.max() > hi + 1e-6:
      return fail(
        "range",
        detail(f"{name}: samples {x.min():.3f}..{x.max():.3f} leave {lo, hi}") or HINTS["range"],
      )
    sd = (hi - lo) / math.sqrt(12)
    if (
      abs(x.mean() - (lo + hi) / 2) > 4 * sd / math.sqrt(x.size) + 1e-6
      or abs(x.std() - sd) > 0.1 * sd
    ):
      return fail(
        "distribution",
        detail(
          f"{name}: mean {x.mean():.3f}, std {x.std():.3f}; uniform on {lo, hi} has mean {(lo + hi) / 2:.3f}, std {sd:.3f}"
        )
        or HINTS["distribution"],
      )
  heading_p = cfg["rel_heading_envs"] if cfg["heading_command"] else 0.0
  fractions = (
    ("is_heading", heading_p),
    ("is_turning", cfg["rel_turning_envs"]),
    ("is_standing", cfg["rel_standing_envs"]),
  )
  for key, p in fractions:
    frac = float(got[key].mean())
    if not cfg["heading_command"] and key == "is_heading" and frac > 0:
      return fail("heading_flag")
    if abs(frac - p) > max(4 * math.sqrt(p * (1 - p) / got[key].size), 0.01):
      return fail(
        "fraction", detail(f"{key}: fraction {frac:.3f}, expected {p}") or HINTS["fraction"]
      )
  untouched = got.get("untouched")
  n_other = case.num_envs - k
  sentinel = np.concatenate((np.full(3 * n_other + n_other, 9.0), np.ones(3 * n_other)))
  if (
    untouched is None
    or untouched.shape != sentinel.shape
    or not np.array_equal(untouched, sentinel)
  ):
    return fail("untouched")
  after = got.get("all_after_slice")
  if after is None or after.shape != (case.num_envs, 3):
    return fail("shape", "resampling with env_ids = slice(None) must fill all envs")
  return CaseResult(case.name, case.public, True)


def _case_todos(cases: list[GraderCase]) -> dict[str, list[GraderCase]]:
  by_todo: dict[str, list[GraderCase]] = {t.todo: [] for t in C.TODOS}
  for case in cases:
    for todo in case.todos:
      by_todo[todo].append(case)
  return by_todo


def write_job(
  job_dir: Path, submission: Path, todos: list[str], by_todo: dict[str, list[GraderCase]]
) -> None:
  """The child's inputs: the submission's five files, the snapshot inputs (never the expected
  values) and job.json."""
  (job_dir / "submission").mkdir(parents=True, exist_ok=True)
  for name in MDP_FILES:
    if (submission / f"{name}.py").is_file():
      shutil.copy(submission / f"{name}.py", job_dir / "submission" / f"{name}.py")
  (job_dir / "inputs").mkdir(exist_ok=True)
  tasks = []
  for todo in todos:
    spec = C.BY_ID[todo]
    entries = []
    for case in by_todo[todo]:
      inputs = None
      if case.inputs:
        inputs = f"inputs/{case.name}.npz"
        if not (job_dir / inputs).exists():
          np.savez(job_dir / inputs, **case.inputs)
      entries.append(
        {"id": case.name, "num_envs": case.num_envs, "params": case.todos[todo], "inputs": inputs}
      )
    tasks.append(
      {"todo": todo, "kind": spec.kind, "file": spec.file, "name": spec.name, "cases": entries}
    )
  (job_dir / "job.json").write_text(json.dumps({"tasks": tasks}))


TEXT_FIELDS = ("dtype", "device")
"""Outputs the child reports as text (np.str_ arrays); every other output must be numeric."""


def _read_outputs(
  job_dir: Path, todo: str, max_bytes: int
) -> tuple[dict | None, dict[str, dict[str, np.ndarray]]]:
  """The child's status and arrays for ``todo`` (None when it wrote none). The child wrote them:
  links are not followed, and only a JSON object and numeric arrays count."""
  try:
    status_bytes = read_child_file(job_dir, "out", f"{todo}.json", max_bytes=max_bytes)
    arrays_bytes = read_child_file(job_dir, "out", f"{todo}.npz", max_bytes=max_bytes)
  except FileNotFoundError:
    return None, {}
  except (OSError, ValueError) as err:
    return {"status": "error", "message": f"unreadable output: {err}"}, {}
  try:
    status = json.loads(status_bytes)
    if not isinstance(status, dict):
      raise ValueError(f"{todo}.json does not hold a JSON object")
    per_case: dict[str, dict[str, np.ndarray]] = {}
    for key, array in read_npz(arrays_bytes).items():
      case, _, field = key.partition("/")
      # numbers, and the names of the output's dtype and device; anything else is dropped
      if array.dtype.kind in "biuf" or (field in TEXT_FIELDS and array.dtype.kind == "U"):
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
      out_dir = job_dir / "out"

      def current_overdue(out_dir: Path = out_dir) -> bool:
        """The TODO the child works on now has run past per_task_s."""
        started = []
        for marker in out_dir.glob("*.started"):
          with contextlib.suppress(OSError):  # the child may remove it meanwhile
            started.append((marker.lstat().st_mtime, marker.stem))
        if not started:
          return False
        mtime, todo = max(started)
        if (out_dir / f"{todo}.json").exists():
          return False
        return time.time() - mtime > limits.per_task_s

      child: ChildResult = run_in_sandbox(
        ["-m", "trotlab.checks.child", str(job_dir)], job_dir, limits, poll=current_overdue
      )
      progressed = False
      for todo in list(remaining):
        status, arrays = _read_outputs(job_dir, todo, limits.file_bytes)
        if status is not None:
          results[todo] = (status, arrays)
          remaining.remove(todo)
          progressed = True
        elif (out_dir / f"{todo}.started").exists():
          if (
            child.timed_out
            and todo not in retried
            and not _ran_past(out_dir / f"{todo}.started", limits.per_task_s)
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
          if (out_dir / f"{file}.loading").exists() and not (
            out_dir / f"{file}.loaded"
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


def score_todo(
  todo: str, points: float, cases: list[GraderCase], status: dict, arrays: dict
) -> TodoResult:
  spec = C.BY_ID[todo]
  results = []
  for case in cases:
    kind = status.get("status")
    if kind != "ok":
      category = kind if kind in HINTS else "error"
      results.append(
        CaseResult(case.name, case.public, False, category, status.get("message", HINTS[category]))
      )
    elif case.name in status.get("case_errors", {}):
      results.append(
        CaseResult(case.name, case.public, False, "error", status["case_errors"][case.name])
      )
    elif spec.kind == "resample":
      results.append(judge_resample(case, arrays.get(case.name, {})))
    else:
      results.append(judge_value(todo, case, arrays.get(case.name, {})))
  score = round(points * sum(r.passed for r in results) / len(results), 2) if results else 0.0
  return TodoResult(todo, spec.name, score, float(points), results)


def grade_terms(
  submission: Path, limits: Limits | None = None, todos: list[str] | None = None, log=print
) -> list[TodoResult]:
  """Score every TODO (or the given ones) of the submission folder."""
  cases = load_cases()
  by_todo = _case_todos(cases)
  todos = todos or [t.todo for t in C.TODOS]
  outcomes = run_todos(submission, todos, by_todo, limits or Limits(), log=log)
  return [score_todo(todo, C.BY_ID[todo].points, by_todo[todo], *outcomes[todo]) for todo in todos]
