"""The training check: train the submission's MDP briefly, then score the tracking evaluation.

The submission trains in a sandboxed child (trotlab.grading.train_child) with the provided
config, a fixed seed and the profile's budget (a number of PPO iterations); the same child runs
DESIGN.md's tracking evaluation on the trained policy (CPU backend) and returns the trajectory:
the physics state before every step and the action of every step. Nothing the child computes is
believed: this module re-runs the evaluation in its own simulation (no submission code),
starting from the protocol's own initial state, stepping each recorded action from the recorded
state and requiring that every step lands exactly on the next recorded state (MuJoCo C is
deterministic: an honest trajectory matches bit for bit). The metrics come from the grader's simulation; the
rubric's points go to each moving phase whose mean ||v_xy - cmd_xy|| and mean |wz - cmd_wz| are
within the profile's thresholds, and the no-fall points when no env fell. A trajectory that does
not follow from its actions (a tampered simulation, forged numbers) scores zero. Profiles and
their calibration: docs/grading.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from autograder.npz import OutputTooLarge, read_npz
from autograder.sandbox import Limits, read_child_file, run_in_sandbox
from autograder.term_checks import MDP_FILES, load_rubric
from trotlab.evaluation import TrackingEvalCfg
from trotlab.evaluation.tracking import PassRule


@dataclasses.dataclass(kw_only=True, frozen=True)
class TrainingProfile:
  """The settings of one training check: device, budget, seed, pass rule and evaluation size."""

  name: str
  device: str
  iterations: int
  """The budget: PPO iterations trained. A count, not a duration, so that a submission gets the
  same score on any machine and under any load (two gradings at once included)."""
  time_limit_s: float
  """Wall-clock cap on the training, for a machine (or a submission's terms) much slower than the
  profile assumes: training stops there, is evaluated as it is, and the report says so."""
  seed: int = 1
  num_envs: int | None = None
  """None: the task's default for the device."""
  rule: PassRule = dataclasses.field(default_factory=PassRule)
  """A moving phase earns its points when its mean errors are within the rule's limits for its
  command (DESIGN.md's rule; a calibration may tighten it, never loosen it)."""
  threads: int = 2
  """CPU threads of the training child (torch and MuJoCo's pool). Fixed, not the machine's core
  count, so that the same submission trains the same policy, and gets the same score, on any
  machine and whatever ``grade.py --jobs`` says: the grader runs as many checks at once as the
  cores allow, each pinned to its own ``threads`` cores."""
  eval_num_envs: int = 64
  chunk: int = 10
  warm_start: bool = True
  """The task's default start (``agent_cfg(warm_start=True)``): on a CPU the Go1 flat task
  continues its standing start, trotlab/tasks/velocity/config/go1/standing_start.pt (a policy of
  the reference that stands but does not walk yet: it skips the ~100 iterations every run spends
  standing still; docs/grading.md), with its curricula resumed there. False: fresh networks."""
  overrides: tuple[str, ...] = ()
  """``env.PATH=VALUE`` / ``agent.PATH=VALUE`` changes of the task's configs for this check
  (trotlab.utils.overrides), e.g. the PPO epochs of a faster profile."""


TASK = "Mjlab-Velocity-Flat-Unitree-Go1"


def task_iterations(device: str, warm_start: bool) -> int:
  """The PPO iterations of the task's default run for ``device`` and start (its agent config's
  max_iterations): what `uv run train` trains there, which the cpu, cpu_warm and gpu checks
  grade."""
  from trotlab.tasks import get_task

  return get_task(TASK).agent_cfg(device=device, warm_start=warm_start).max_iterations


PROFILES = {
  # 2-core CPU grader from scratch: what `uv run train --from-scratch True` trains on a CPU (300
  # iterations with the mirror augmentation, about 20 min of training there; the cap is twice
  # that). Thresholds: DESIGN.md's pass rule. Calibrated (10 of 10 seeds) under the earlier
  # evaluation and the yaw-rate weight 1.0; not recalibrated since (docs/grading.md).
  "cpu": TrainingProfile(
    name="cpu",
    device="cpu",
    iterations=task_iterations("cpu", warm_start=False),
    time_limit_s=2400.0,
    warm_start=False,
  ),
  # 2-core CPU grader, warm start (the default): what `uv run train` trains on a CPU, graded.
  # The training continues the task's standing start (configuration N, seed 101, iteration 100:
  # it stands, it does not walk), its curricula resumed there (100 iterations x 24 env steps),
  # for 70 iterations of configuration N (M with 3 PPO epochs; the tracking kernels' std 0.4, the
  # yaw-rate tracking weight 2.0).
  # Calibration: docs/grading.md.
  "cpu_warm": TrainingProfile(
    name="cpu_warm",
    device="cpu",
    iterations=task_iterations("cpu", warm_start=True),
    time_limit_s=900.0,
  ),
  # One GPU (not calibrated yet: no GPU was available; see docs/grading.md).
  "gpu": TrainingProfile(
    name="gpu",
    device="cuda:0",
    iterations=task_iterations("cuda:0", warm_start=False),
    time_limit_s=600.0,
  ),
  # CI smoke: proves the path end to end; its score means nothing.
  "smoke": TrainingProfile(
    name="smoke",
    device="cpu",
    iterations=1,
    time_limit_s=120.0,
    num_envs=32,
    threads=1,
    eval_num_envs=4,
  ),
}


DEFAULT_PROFILE = "cpu_warm"
"""The profile of grade.py, the Gradescope run and calibrate when none is given: the warm start
(the whole grade of a submission in minutes on 2 cores; docs/grading.md)."""


def start_checkpoint(profile: TrainingProfile) -> Path | None:
  """The runner checkpoint the training of ``profile`` starts from (the task's agent config with
  the profile's start and agent overrides); None: fresh networks."""
  from trotlab.tasks import get_task
  from trotlab.utils.overrides import apply_overrides

  agent = get_task(TASK).agent_cfg(device=profile.device, warm_start=profile.warm_start)
  apply_overrides({"agent": agent}, tuple(o for o in profile.overrides if o.startswith("agent.")))
  return Path(agent.init_checkpoint) if agent.init_checkpoint else None


STATE_KEYS = ("qpos", "qvel", "qacc_warmstart")
REPLAY_TOLERANCE = 1e-9
"""Largest |difference| allowed between a recorded state and the grader's step to it. A step of
MuJoCo C from the same state with the same control is bit-identical (an honest trajectory
differs by 0.0); the margin only absorbs printing or casting noise, far below anything that
could move a robot."""


VALUES_PER_ENV_STEP = 128
"""Bound on the numbers an evaluation records per env and step (the Go1's qpos 19, qvel 18,
qacc_warmstart 18 and 12 actions make 67), for ``trajectory_max_bytes``."""


def trajectory_max_bytes(profile: TrainingProfile) -> int:
  """The most bytes a recorded evaluation of ``profile`` may hold: its eval envs times the
  evaluation's steps (+ 1) times VALUES_PER_ENV_STEP float64 numbers. Larger is refused before
  unpacking (a small deflated archive can declare gigabytes)."""
  seconds = sum(phase.duration_s for phase in TrackingEvalCfg().phases)
  steps = round(seconds / 0.02) + 1  # the task's step: 4 physics steps of 5 ms
  return 8 * VALUES_PER_ENV_STEP * steps * profile.eval_num_envs


class TrajectoryMismatch(ValueError):
  """The recorded evaluation does not follow from its actions."""


def replay_evaluation(trajectory: dict[str, np.ndarray], eval_cfg: TrackingEvalCfg) -> dict:
  """The tracking evaluation's metrics, computed by re-playing a recorded trajectory.

  trajectory: qpos (S + 1, N, nq), qvel and qacc_warmstart (S + 1, N, nv) float64, the physics
  state before each step and after the last; actions (S, N, A), the policy's actions. The
  grader's env (the play config with the scripted command, no observation and no MDP term, so
  no submission code) starts from the protocol's initial state; before step t its state must
  equal state t, then it steps with action t from state t. Raises TrajectoryMismatch (or
  ValueError for arrays of the wrong shape or kind) when the trajectory does not fit."""
  import torch

  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation import eval_env_cfg, run_tracking_eval
  from trotlab.sim.choice import configure_sim
  from trotlab.tasks import get_task

  play_cfg = get_task(TASK).env_cfg(play=True, device="cpu")
  configure_sim(play_cfg.sim, "cpu", "cpu")
  cfg = eval_env_cfg(play_cfg, eval_cfg)
  cfg.observations = {}
  env = ManagerBasedRlEnv(cfg, verbose=False)
  steps = sum(round(p.duration_s / env.step_dt) for p in eval_cfg.phases)
  actions = trajectory.get("actions")
  want = {"actions": (steps, env.num_envs, env.action_manager.total_action_dim)}
  for key, value in env.sim.physics_state().items():
    want[key] = (steps + 1, *value.shape)
  for key, shape in want.items():
    value = trajectory.get(key)
    if value is None or value.shape != shape or value.dtype.kind != "f":
      raise ValueError(
        f"{key}: expected a float array of shape {shape}, got {None if value is None else (value.shape, value.dtype)}"
      )
    if not np.isfinite(value).all():
      raise ValueError(f"{key} holds NaN or inf")
  current = [0]

  def before_step(t: int) -> None:
    """Raise TrajectoryMismatch unless the grader's state is within REPLAY_TOLERANCE of
    recorded state ``t``; then set it to that state exactly and select action ``t``."""
    ours = env.sim.physics_state()
    for key in STATE_KEYS:
      gap = float(np.abs(ours[key] - trajectory[key][t]).max())
      if gap > REPLAY_TOLERANCE:
        raise TrajectoryMismatch(
          f"the recorded state before step {t} is not where the simulator's step takes it ({key} differs by {gap:.3g})"
        )
    env.sim.write_physics_state({key: trajectory[key][t] for key in STATE_KEYS})
    current[0] = t

  def policy(obs) -> torch.Tensor:
    """The recorded action of the current step, (N, A) float32; ``obs`` is ignored."""
    return torch.as_tensor(actions[current[0]], dtype=torch.float32)

  metrics = run_tracking_eval(env, policy, eval_cfg, progress=False, before_step=before_step)
  before_step(steps)  # the last step must land on the last recorded state too
  return metrics


@dataclasses.dataclass
class TrainingResult:
  """The scored outcome of a training check: the total, the rubric items and their output."""

  score: float
  max_score: float
  items: dict[str, dict]
  """name -> {score, max_score, output}: one per moving phase, and no_fall."""
  output: str
  phases: dict | None = None
  summary: str = ""
  """How the training went, in one line ("trained N of M iterations in S s", and why it stopped
  short): shown with every training item, never scored."""
  earlier: dict[int, TrainingResult] = dataclasses.field(default_factory=dict)
  """Calibration runs only (``also_at``): iteration count -> the result of the policy then."""


def score_phases(
  phases: dict, profile: TrainingProfile, points: dict[str, float]
) -> TrainingResult:
  """Score the evaluation's per-phase metrics with ``profile.rule`` and the rubric's ``points``:
  each moving phase, then no_fall (no env fell in any phase). ``output`` is left empty."""
  items = {}
  for name, p in phases.items():
    if not p["moving"]:
      continue
    max_xy, max_wz = profile.rule.limits(tuple(p["command"]))
    ok = p["mean_xy_error"] <= max_xy and p["mean_abs_wz_error"] <= max_wz
    items[name] = {
      "score": float(points[name]) if ok else 0.0,
      "max_score": float(points[name]),
      "output": (
        f"{name} {tuple(p['command'])}: mean |v_xy err| {p['mean_xy_error']:.3f} m/s"
        f" (max {max_xy:.3g}), mean |wz err| {p['mean_abs_wz_error']:.3f} rad/s"
        f" (max {max_wz:.3g}): {'pass' if ok else 'fail'}"
      ),
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
  submission: Path,
  profile: TrainingProfile,
  log=print,
  keep_policy: Path | None = None,
  also_at: tuple[int, ...] = (),
  cpus: tuple[int, ...] | None = None,
  limited_by: str = "the profile's time limit",
) -> TrainingResult:
  """Train and evaluate ``submission`` in the sandbox and score it, the child pinned to ``cpus``
  (``profile.threads`` of them; None: not pinned). Calibration runs only:
  ``keep_policy`` copies the trained checkpoint there; ``also_at`` (iteration counts, multiples
  of the profile's chunk) also scores the policy at each of those iterations (``earlier``): the
  very runs of profiles with that many iterations. ``limited_by`` names what set
  ``profile.time_limit_s``, for the summary of a training it stopped."""
  if any(n % profile.chunk or not 0 < n < profile.iterations for n in also_at):
    raise ValueError(
      f"also_at: multiples of {profile.chunk} below {profile.iterations}, got {also_at}"
    )
  points = load_rubric()["training"]
  with tempfile.TemporaryDirectory(prefix="trotlab-train-") as tmp:
    Path(tmp).chmod(0o711)
    job_dir = Path(tmp) / "job"
    (job_dir / "submission").mkdir(parents=True)
    for name in MDP_FILES:
      if (submission / f"{name}.py").is_file():
        shutil.copy(submission / f"{name}.py", job_dir / "submission" / f"{name}.py")
    job = {"task": TASK, **dataclasses.asdict(profile), "eval_also_at": list(also_at)}
    (job_dir / "job.json").write_text(json.dumps(job))
    (job_dir / "out").mkdir()
    memory = None if profile.device.startswith("cuda") else 12 * 2**30
    # file_bytes: the trajectory is about 25 MB with the profiles' 64 evaluation envs
    limits = Limits(
      wall_s=profile.time_limit_s + 120.0,
      cpu_s=int(4 * (profile.time_limit_s + 120.0)),
      memory_bytes=memory,
      file_bytes=96 * 2**20,
      disk_bytes=1024 * 2**20,  # the trajectory, the checkpoints kept for calibration, logs
    )
    log(f"  training check ({profile.name}: {profile.iterations} iterations, seed {profile.seed})")
    threads = str(profile.threads)  # the sandbox's default is one
    child = run_in_sandbox(
      ["-m", "trotlab.grading.train_child", str(job_dir)],
      job_dir,
      limits,
      extra_env={"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads},
      cpus=cpus,
    )
    if keep_policy is not None:
      with contextlib.suppress(OSError, ValueError):
        data = read_child_file(job_dir, "out", "model.pt", max_bytes=limits.file_bytes)
        keep_policy.parent.mkdir(parents=True, exist_ok=True)
        keep_policy.write_bytes(data)
    trained = _training_summary(job_dir, profile, limited_by)
    result = _score_trajectory(job_dir, "trajectory.npz", profile, points, limits.file_bytes, log)
    if result is None:
      message = (
        f"the training run did not finish: {child.describe()}. Output tail:\n{child.output[-1500:]}"
      )
      result = _zero_result(points, message)
      result.summary = trained
      return result
    for n in also_at:
      earlier = _score_trajectory(
        job_dir, f"trajectory_{n}.npz", profile, points, limits.file_bytes, log
      )
      if earlier is not None:
        result.earlier[n] = earlier
  if result.phases is not None:
    result.output = "\n".join([trained, result.output])
  result.summary = trained
  return result


def _score_trajectory(
  job_dir: Path, name: str, profile: TrainingProfile, points: dict, max_bytes: int, log
) -> TrainingResult | None:
  """Re-play and score the child's out/<name>; None when the child did not write it."""
  try:
    data = read_child_file(job_dir, "out", name, max_bytes=max_bytes)
  except (OSError, ValueError):
    return None
  try:
    trajectory = read_npz(data, max_bytes=trajectory_max_bytes(profile), kinds="f")
  except OutputTooLarge as err:
    return _zero_result(points, f"unusable evaluation output: too large: {err}")
  except Exception as err:  # malformed archives (zipfile, numpy, MemoryError): this check only
    return _zero_result(points, f"unusable evaluation output: {type(err).__name__}: {err}"[:2000])
  del data
  try:
    log("  re-playing the evaluation in the grader's simulation")
    phases = replay_evaluation(trajectory, TrackingEvalCfg(num_envs=profile.eval_num_envs))[
      "phases"
    ]
  except TrajectoryMismatch as err:
    return _zero_result(points, f"the evaluation was not a simulation of the trained policy: {err}")
  except (ValueError, KeyError) as err:
    return _zero_result(points, f"unusable evaluation output: {err}")
  result = score_phases(phases, profile, points)
  result.output = "\n".join(item["output"] for item in result.items.values())
  return result


def skipped_training(why: str) -> TrainingResult:
  """The rubric's training items at zero, with ``why`` the check did not run."""
  result = _zero_result(load_rubric()["training"], why)
  result.summary = why
  return result


def _zero_result(points: dict, message: str) -> TrainingResult:
  zero = {key: {"score": 0.0, "max_score": float(v), "output": ""} for key, v in points.items()}
  return TrainingResult(0.0, float(sum(points.values())), zero, message)


def _training_summary(
  job_dir: Path, profile: TrainingProfile, limited_by: str = "the profile's time limit"
) -> str:
  """'trained N of M iterations in S s' from the child's train.json (its own account: shown to
  help read a result, never scored), and why, when it stopped short."""
  try:
    info = json.loads(read_child_file(job_dir, "out", "train.json", max_bytes=4096))
    done, seconds = int(info["iterations"]), float(info["train_s"])
  except Exception:  # the child wrote it: nested too deep (RecursionError), wrong types, ...
    return "the training's length is unknown"
  line = f"trained {done} of {profile.iterations} iterations in {seconds:.0f} s"
  start, end = info.get("start_step"), info.get("env_steps")
  if isinstance(start, int) and isinstance(end, int) and start > 0:
    line += f" (warm start: curricula at env steps {start}..{end})"
  if done < profile.iterations:
    line += (
      f"; stopped by {limited_by} ({profile.time_limit_s:.0f} s of training): the policy of"
      " the last finished iteration was evaluated, so the score below is not comparable with a"
      " full run (a grader slower than the profile assumes, or per-env Python loops in the"
      " terms)"
    )
  return line
