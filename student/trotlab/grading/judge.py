"""The judge: one set of rules that decides whether a TODO's output on a canned case passes.

The autograder (its term checks) and the public self-check (``uv run check``) both call these
functions on what a probe (trotlab.grading.probes) recorded, so a mistake fails both the same
way. The grader's hidden cases add cases, never other rules.

A case of a value TODO passes when the output has the reference's shape, holds no NaN, has the
contract's dtype and the reference's device, left its inputs untouched, does not depend on other
envs, and matches the reference values within tolerance; a stateful term's ``reset(env_ids)``
must also leave a reset env as a new term would have it, and every other env as it was. C1 is
judged by rules on many random draws (ranges, uniformity, fractions, untouched envs, the heading
flag). A failing case gets a category: the fingerprint of a known mistake it matches (the case's
``diag`` arrays), else sign, scale or value; or the check it failed (shape, dtype, nan, in_place,
leak, reset, error, todo, missing, ignored, timeout, crash, disk; too_large, bad_output: the grader could not
use the output). Public cases also show the first mismatching entry, expected vs got; the
grader's hidden cases show the category only.

The cases and their files: trotlab.grading.case_files.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from trotlab.grading.case_files import Case
from trotlab.grading.todos import BY_ID

TOLERANCE: dict[str, tuple[float, float]] = {"O11": (1e-3, 1e-3), "R8": (1e-3, 1e-5)}
"""(rtol, atol) where the default is too tight for float32 sums of forces."""
DEFAULT_TOLERANCE = (1e-4, 1e-5)
MAX_CHANGED_CHARS = 400
"""The most of a probe's ``inputs_changed`` a message quotes (it comes from the child)."""

HINTS = {
  "sign": "a sign looks flipped (e.g. command + measured where the formula has command - measured)",
  "frame": "frame suspected: the values match a world-frame (_w) computation where the body frame (_b) is asked for, or the reverse",
  "missing_term": "a part of the formula is missing (e.g. the vertical velocity v_z in the tracking error)",
  "abs_vs_square": "squared where the formula takes an absolute value, or the reverse",
  "std": "std used wrongly: the formula divides by std^2",
  "off_by_one": "one env step off (the air time counts the touch-down step once)",
  "clip": "a clip is missing (the heading controller's yaw rate is clipped to ranges.ang_vel_z)",
  "wrap": "the heading error is not wrapped: psi* - psi must be mapped to [-pi, pi) (wrap_to_pi)"
  " before the controller multiplies it, or a robot facing -170 deg turns the long way to +170",
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
  "reset": "reset(env_ids) must clear the term's memory of those envs, and only theirs: after it, an env's outputs are those of a new term",
  "error": "raised an exception",
  "todo": "not implemented",
  "missing": "the file is missing from the submission",
  "ignored": "the submission's file was not graded (too large, or unreadable)",
  "timeout": "took too long (time limit)",
  "disk": "wrote too many files (the grader's disk limit): write nothing to disk in a term",
  "crash": "the process running it ended abnormally",
  "too_large": "the output was larger than the case can produce",
  "bad_output": "the output could not be read (malformed, or not numbers)",
  "range": "a sample left its range",
  "distribution": "the samples do not look uniform over the range",
  "fraction": "the fraction of heading, turning or standing envs is off",
  "untouched": "envs not in env_ids were changed",
  "heading_flag": "is_heading_env must stay False when cfg.heading_command is False",
}

LABELS = {
  "sign": "flipped sign",
  "frame": "wrong frame",
  "missing_term": "missing term",
  "abs_vs_square": "square vs absolute value",
  "std": "std misused",
  "off_by_one": "off by one step",
  "clip": "missing clip",
  "wrap": "heading error not wrapped to [-pi, pi)",
  "turning_yaw": "turning envs' yaw rate zeroed",
  "stage_boundary": "stage boundary off by one",
  "scale": "scaled",
  "value": "wrong values",
  "shape": "wrong shape",
  "dtype": "wrong dtype",
  "device": "wrong device",
  "nan": "NaN or inf",
  "in_place": "input modified in place",
  "leak": "mixes envs",
  "reset": "reset wrong",
  "range": "out of range",
  "distribution": "not uniform",
  "fraction": "wrong fraction",
  "untouched": "other envs changed",
  "heading_flag": "heading flag set",
}
"""The mistake a failure category names, in a few words (the self-check's table shows it)."""

COLUMNS = {
  "C2": (
    *("vx", "vy", "wz"),
    *(f"{c} with cfg.heading_command False" for c in ("vx", "vy", "wz")),
  ),
  "C3": ('metrics["error_vel_xy"]', 'metrics["error_vel_yaw"]'),
  "K1": (
    *(f'returned["{k}_max"]' for k in ("lin_vel_x", "lin_vel_y", "ang_vel_z")),
    *(f"ranges.{k}[{i}]" for k in ("lin_vel_x", "lin_vel_y", "ang_vel_z") for i in (0, 1)),
  ),
  "K2": ("returned weight", "the reward term's weight"),
}
"""What the last axis of a probe's value holds, where it is not the term's own output."""


@dataclasses.dataclass
class CaseResult:
  """The verdict on one case: passed, or the failure's category (a HINTS key) and message."""

  case: str
  public: bool
  passed: bool
  category: str = ""
  message: str = ""


@dataclasses.dataclass
class TodoResult:
  """One TODO's judged cases and its score out of ``max_score`` points."""

  todo: str
  name: str
  score: float
  max_score: float
  cases: list[CaseResult]

  @property
  def passed(self) -> int:
    """The number of cases passed."""
    return sum(c.passed for c in self.cases)

  def feedback(self) -> str:
    """The TODO's report: a line with cases passed and points, then one per case (a non-public
    case labelled "hidden case"), failures with their category and message."""
    lines = [
      f"TODO({self.todo}) {self.name}: {self.passed}/{len(self.cases)} cases, {self.score:g}/{self.max_score:g} points"
    ]
    for c in self.cases:
      label = c.case if c.public else "hidden case"
      verdict = "pass" if c.passed else f"FAIL [{c.category}] {c.message}".rstrip()
      lines.append(f"  {label}: {verdict}")
    return "\n".join(lines)


def _failure(case: Case, category: str, message: str = "") -> CaseResult:
  return CaseResult(case.name, case.public, False, category, message or HINTS[category])


def _close(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
  return got.shape == ref.shape and bool(
    np.allclose(got, ref, rtol=rtol, atol=atol, equal_nan=False)
  )


def number(x: float, dtype: str | None = None) -> str:
  """A number as a person writes it: 6 significant digits, no "-0", bools as True/False."""
  if dtype == "bool":
    return str(bool(x))
  if not math.isfinite(x):
    return str(x)
  text = f"{x:.6g}"
  return "0" if float(text) == 0 else text


def contract(todo: str) -> str:
  """The output contract of the registry, e.g. "returns (num_envs,) float32"."""
  spec = BY_ID[todo]
  if spec.kind == "term":
    return f"returns {spec.shape} {spec.dtype}"
  return f"returns a {spec.shape}" if "curriculum" in spec.kind else spec.shape


def terrain_level_column(column: int, num_envs: int) -> str:
  """What column ``column`` of K3's value holds (probes.probe_terrain_levels)."""
  if column == 0:
    return "the returned mean level"
  if column <= num_envs:
    return f"env {column - 1}'s level"
  env, axis = divmod(column - 1 - num_envs, 2)
  return f"env {env}'s origin {'xy'[axis]}"


def _first_mismatch(
  todo: str, case: Case, got: np.ndarray, ref: np.ndarray, rtol: float, atol: float
) -> str:
  bad = ~np.isclose(got, ref, rtol=rtol, atol=atol)
  index = tuple(int(i) for i in np.argwhere(bad)[0])
  spec = BY_ID[todo]
  if spec.kind == "curriculum":
    step = case.todos[todo]["steps"][index[0]]
    where = f"common_step_counter = {step}, {COLUMNS[todo][index[1]]}"
  elif spec.kind == "terrain_curriculum":
    where = f"round {index[0]}, {terrain_level_column(index[1], case.num_envs)}"
  else:
    where = f"step {index[0]}, env {index[1]}"
    if len(index) > 2:
      names = COLUMNS.get(todo)
      where += ", " + (names[index[2]] if names else f"column {index[2]}")
  dtype = spec.dtype
  return (
    f"first mismatch at {where}: expected {number(ref[index], dtype)}, got "
    f"{number(got[index], dtype)}"
  )


def categorize(
  todo: str, case: Case, got: np.ndarray, ref: np.ndarray, rtol: float, atol: float
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


def _reset_kept(got: dict[str, np.ndarray], rtol: float, atol: float) -> bool:
  """A stateful term's reset (the probe resets env 0 before each step of the second half): env 0
  as without resets up to then and as a new term's first output after each reset, every other
  env as without resets."""
  value, reset, fresh = got["value"], got["reset_value"], got.get("fresh_value")
  if fresh is None or reset.shape != value.shape or fresh.shape[1:] != value.shape[1:]:
    return False
  half = value.shape[0] - fresh.shape[0]
  return (
    _close(reset[:half], value[:half], rtol, atol)
    and _close(reset[half:, :1], fresh[:, :1], rtol, atol)
    and _close(reset[:, 1:], value[:, 1:], rtol, atol)
  )


def judge_value(todo: str, case: Case, got: dict[str, np.ndarray]) -> CaseResult:
  """Judge a probe with a "value" output (terms, C2, C3, curricula)."""
  rtol, atol = TOLERANCE.get(todo, DEFAULT_TOLERANCE)
  ref = case.expected[f"{todo}/value"]
  value = got.get("value")
  fail = functools.partial(_failure, case)
  if value is None:
    return fail("error", "no output was recorded")
  if value.shape != ref.shape:
    per_call = lambda a: tuple(a.shape[1:])  # noqa: E731
    return fail(
      "shape",
      f"{contract(todo)}: expected shape {per_call(ref)} here ({case.num_envs} envs), got "
      f"{per_call(value)}",
    )
  if not np.all(np.isfinite(value)) and np.all(np.isfinite(ref)):
    return fail("nan")
  if f"{todo}/dtype" in case.expected:
    if str(got.get("dtype")) != str(case.expected[f"{todo}/dtype"]):
      return fail(
        "dtype",
        f"{contract(todo)}: expected dtype {case.expected[f'{todo}/dtype']}, got "
        f"{got.get('dtype')}",
      )
    if str(got.get("device")) != str(case.expected[f"{todo}/device"]):
      return fail(
        "device", f"expected device {case.expected[f'{todo}/device']}, got {got.get('device')}"
      )
    if not np.all(got.get("inputs_kept", np.zeros(1)) == 1.0):
      changed = str(got.get("inputs_changed", ""))[:MAX_CHANGED_CHARS]
      return fail(
        "in_place",
        f"the term modified {changed or 'one of its inputs in place'}: compute into a new tensor "
        "(`x = x - y`, `torch.abs(x)`), not in place (`x -= y`, `x.abs_()`, `x[...] = ...`)",
      )
  if f"{todo}/leak_value" in case.expected:
    leak = got.get("leak_value")
    if (
      leak is None
      or leak.shape != value.shape
      or not np.allclose(leak[:, 1:], value[:, 1:], rtol=1e-5, atol=1e-6)
    ):
      return fail("leak")
  if _close(value, ref, rtol, atol):
    if "reset_value" in got and not _reset_kept(got, rtol, atol):
      return fail("reset")
    return CaseResult(case.name, case.public, True)
  category = categorize(todo, case, value, ref, rtol, atol)
  message = HINTS[category]
  if case.public:
    message += "; " + _first_mismatch(todo, case, value, ref, rtol, atol)
  return fail(category, message)


def judge_resample(case: Case, got: dict[str, np.ndarray]) -> CaseResult:
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


def judge_todo(
  todo: str, points: float, cases: list[Case], status: dict, arrays: dict
) -> TodoResult:
  """Judge every case of ``todo`` from what its probe run reported: ``status`` (ok | todo | error
  | missing | timeout | crash, with a message and per-case errors) and ``arrays`` (case name ->
  the probe's arrays). ``points`` are split evenly over the cases."""
  spec = BY_ID[todo]
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
