"""The training check: train the submission's MDP briefly, then score the tracking evaluation.

The submission trains in a sandboxed child (trotlab.checks.train_child) with the provided
config, a fixed seed and the profile's budget; the same child runs DESIGN.md's tracking
evaluation on the trained policy and returns its per-step traces (velocities from the simulator
state). This module recomputes the per-phase metrics from the traces with the protocol's own
phase layout and scores them: the rubric's points for each moving phase whose mean
||v_xy - cmd_xy|| and mean |wz - cmd_wz| are within the profile's thresholds, and the no-fall
points when no env fell. Profiles and their calibration: docs/grading.md.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from autograder.sandbox import Limits, run_in_sandbox
from autograder.term_checks import MDP_FILES, load_rubric
from trotlab.evaluation import TrackingEvalCfg


@dataclasses.dataclass(kw_only=True, frozen=True)
class TrainingProfile:
  name: str
  device: str
  budget_s: float
  """Training wall-clock; the child also stops at max_iterations."""
  max_iterations: int
  seed: int = 1
  num_envs: int | None = None
  """None: the task's default for the device."""
  max_xy_error: float
  """m/s: a moving phase earns its points when mean ||v_xy - cmd_xy|| is at most this..."""
  max_yaw_error: float
  """rad/s: ...and mean |wz - cmd_wz| at most this."""
  eval_num_envs: int = 64
  chunk: int = 10


PROFILES = {
  # 2-core CPU grader. Thresholds: DESIGN.md's pass rule. Calibration: docs/grading.md.
  "cpu": TrainingProfile(
    name="cpu",
    device="cpu",
    budget_s=600.0,
    max_iterations=400,
    max_xy_error=0.2,
    max_yaw_error=0.25,
  ),  # fmt: skip
  # One GPU (not calibrated yet: no GPU was available; see docs/grading.md).
  "gpu": TrainingProfile(
    name="gpu",
    device="cuda:0",
    budget_s=120.0,
    max_iterations=1000,
    max_xy_error=0.2,
    max_yaw_error=0.25,
  ),  # fmt: skip
  # CI smoke: proves the path end to end; its score means nothing.
  "smoke": TrainingProfile(
    name="smoke",
    device="cpu",
    budget_s=5.0,
    max_iterations=1,
    num_envs=32,
    max_xy_error=0.2,
    max_yaw_error=0.25,
    eval_num_envs=4,
  ),  # fmt: skip
}


def step_dt(task: str = "Mjlab-Velocity-Flat-Unitree-Go1") -> float:
  from trotlab.tasks import get_task

  cfg = get_task(task).env_cfg(play=True, device="cpu")
  return cfg.decimation * cfg.sim.timestep


def metrics_from_traces(traces: dict[str, np.ndarray], cfg: TrackingEvalCfg, dt: float) -> dict:
  """Per-phase metrics from the evaluation's traces, with the protocol's own phase layout.

  traces: lin_vel_b (S, N, 3) [m/s] body frame, ang_vel_z (S, N) [rad/s], fallen (S, N) bool
  (cumulative), S = all steps of all phases. Raises ValueError if the traces do not fit."""
  steps = [round(p.duration_s / dt) for p in cfg.phases]
  settle = round(cfg.settle_s / dt)
  lin, wz, fallen = traces["lin_vel_b"], traces["ang_vel_z"], traces["fallen"]
  if lin.shape[0] != sum(steps) or wz.shape[0] != sum(steps) or fallen.shape[0] != sum(steps):
    raise ValueError(f"traces hold {lin.shape[0]} steps, the protocol has {sum(steps)}")
  out, begin = {}, 0
  for phase, n in zip(cfg.phases, steps, strict=True):
    cmd = np.asarray(phase.twist)
    scored = slice(begin + settle, begin + n)
    xy = yaw = None  # a phase no longer than the settling time is not scored
    if n > settle:
      xy = float(np.linalg.norm(lin[scored, :, :2] - cmd[:2], axis=-1).mean())
      yaw = float(np.abs(wz[scored] - cmd[2]).mean())
    out[phase.name] = {
      "command": list(phase.twist),
      "moving": any(abs(x) > 0 for x in phase.twist),
      "mean_xy_error": xy,
      "mean_abs_wz_error": yaw,
      "fell_fraction": float(fallen[begin + n - 1].mean()),
    }
    begin += n
  return out


@dataclasses.dataclass
class TrainingResult:
  score: float
  max_score: float
  items: dict[str, dict]
  """name -> {score, max_score, output}: one per moving phase, and no_fall."""
  output: str
  phases: dict | None = None


def score_phases(
  phases: dict, profile: TrainingProfile, points: dict[str, float]
) -> TrainingResult:
  items = {}
  for name, p in phases.items():
    if not p["moving"]:
      continue
    ok = p["mean_xy_error"] <= profile.max_xy_error and p["mean_abs_wz_error"] <= profile.max_yaw_error  # fmt: skip
    items[name] = {
      "score": float(points[name]) if ok else 0.0,
      "max_score": float(points[name]),
      "output": f"{name} {tuple(p['command'])}: mean |v_xy err| {p['mean_xy_error']:.3f} m/s (max {profile.max_xy_error}), mean |wz err| {p['mean_abs_wz_error']:.3f} rad/s (max {profile.max_yaw_error}): {'pass' if ok else 'fail'}",  # fmt: skip
    }
  fell = max(p["fell_fraction"] for p in phases.values())
  items["no_fall"] = {
    "score": float(points["no_fall"]) if fell == 0 else 0.0,
    "max_score": float(points["no_fall"]),
    "output": f"fraction of envs that fell: {fell:.0%}",
  }
  total = sum(i["score"] for i in items.values())
  return TrainingResult(total, sum(i["max_score"] for i in items.values()), items, "", phases)


def run_training_check(
  submission: Path, profile: TrainingProfile, log=print, keep_policy: Path | None = None
) -> TrainingResult:
  """Train and evaluate ``submission`` in the sandbox and score it. ``keep_policy``: copy the
  trained checkpoint there (calibration runs)."""
  points = load_rubric()["training"]
  zero = {name: {"score": 0.0, "max_score": float(v), "output": ""} for name, v in points.items()}
  with tempfile.TemporaryDirectory(prefix="trotlab-train-") as tmp:
    Path(tmp).chmod(0o711)
    job_dir = Path(tmp) / "job"
    (job_dir / "submission").mkdir(parents=True)
    for name in MDP_FILES:
      if (submission / f"{name}.py").is_file():
        shutil.copy(submission / f"{name}.py", job_dir / "submission" / f"{name}.py")
    job = {"task": "Mjlab-Velocity-Flat-Unitree-Go1", **dataclasses.asdict(profile)}
    (job_dir / "job.json").write_text(json.dumps(job))
    (job_dir / "out").mkdir()
    memory = None if profile.device.startswith("cuda") else 12 * 2**30
    limits = Limits(wall_s=profile.budget_s + 120.0, cpu_s=int(4 * (profile.budget_s + 120.0)), memory_bytes=memory)  # fmt: skip
    log(f"  training check ({profile.name}: {profile.budget_s:.0f} s budget, seed {profile.seed})")
    child = run_in_sandbox(["-m", "trotlab.checks.train_child", str(job_dir)], job_dir, limits)
    traces_file = job_dir / "out" / "traces.npz"
    model_file = job_dir / "out" / "model.pt"
    if keep_policy is not None and model_file.is_file() and not model_file.is_symlink():
      keep_policy.parent.mkdir(parents=True, exist_ok=True)
      shutil.copyfile(model_file, keep_policy)
    if not traces_file.is_file():
      message = f"the training run did not finish: {child.describe()}. Output tail:\n{child.output[-1500:]}"  # fmt: skip
      return TrainingResult(0.0, float(sum(points.values())), zero, message)
    try:
      with np.load(traces_file, allow_pickle=False) as data:
        traces = {key: data[key] for key in data.files}
      phases = metrics_from_traces(traces, TrackingEvalCfg(num_envs=profile.eval_num_envs), step_dt())  # fmt: skip
    except (ValueError, KeyError, OSError) as err:
      return TrainingResult(0.0, float(sum(points.values())), zero, f"unusable evaluation output: {err}")  # fmt: skip
  result = score_phases(phases, profile, points)
  result.output = "\n".join(item["output"] for item in result.items.values())
  return result
