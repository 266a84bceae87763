"""Training benchmark: wall-clock until the reference passes the tracking evaluation.

Trains with the task's defaults for the device (the CPU default on a CPU machine) and, every
``eval_every`` PPO iterations, runs the tracking evaluation (trotlab.evaluation) on the current
policy in a separate 64-env play env. Training wall-clock excludes the evaluations. Prints one
line per evaluation and the split of training time (simulation, managers, learning), and writes
the curve to ``out``/curve_seed{seed}.json; the first passing policy and its tracking outputs
(metrics.json, tracking.npz, tracking.png) go to ``out``/seed{seed}/.

``--set PATH=VALUE`` changes one field of the configs before training (``env.`` for the env
config, ``agent.`` for the runner config; VALUE is a Python literal), so a candidate setting is
tried without editing the task: e.g. ``--set agent.algorithm.num_learning_epochs=3
env.scene.num_envs=512``. The evaluation env keeps the task's play config. A change that a
literal cannot say (a new curriculum term) is a named ``--candidate`` (``CANDIDATES`` below).
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Literal

import torch
from tensordict import TensorDict

from trotlab.sim.choice import SimBackendChoice
from trotlab.utils.overrides import apply_overrides


@dataclasses.dataclass
class TrainBench:
  """Training wall-clock until the task's policy passes the tracking evaluation (see the module
  docstring)."""

  task: str = "Mjlab-Velocity-Flat-Unitree-Go1"
  seed: int = 1
  mdp: str = "solutions"
  device: str = "auto"
  sim_backend: SimBackendChoice = "auto"
  """auto: MuJoCo Warp on a CUDA device (the GPU default), MuJoCo C threads on the CPU."""
  budget_min: float = 10.0
  """Stop when training wall-clock passes this (minutes)."""
  eval_every: int = 10
  """PPO iterations between evaluations."""
  stop_on_pass: bool = True
  max_iterations: int | None = None
  """Stop after this many PPO iterations too (None: only the time budget)."""
  threads: int | None = None
  """CPU threads of torch and of MuJoCo's pool (None: every core)."""
  set: tuple[str, ...] = ()
  """Config changes, PATH=VALUE each (see the module docstring)."""
  candidate: Literal["gait_penalty_ramp"] | None = None
  """A named change of the env config (``CANDIDATES``), applied before ``set``."""
  warm_start: bool = False
  """The task's own warm start, as `uv run train` on a CPU (``agent_cfg(warm_start=True)``: the
  standing start, 3 PPO epochs, curricula resumed there); False: the task from scratch
  (configuration M on a CPU), the setting of the earlier explorations."""
  init_checkpoint: Path | None = None
  """Start from this checkpoint (a runner's model_IT.pt: actor, critic, optimizer) instead of
  fresh networks: the warm-start lever of issue 15."""
  start_step: int = 0
  """The env's ``common_step_counter`` at the start of an ``init_checkpoint`` run: the curricula's
  clock (a warm start resumes it where the checkpoint's run left it; ``warm_start`` does so by
  itself, from the checkpoint's iteration)."""
  save_checkpoints: bool = False
  """Also save the runner at every evaluation (``out``/seed{seed}/model_IT.pt)."""
  out: Path = Path("docs/data")


GAIT_PENALTIES = ("pose", "foot_clearance", "foot_swing_height", "foot_slip")


def gait_penalty_ramp(env_cfg) -> None:
  """The gait penalties off while the policy learns to walk, then ramped in by the reward-weight
  curriculum (the task's own ``action_rate_weight`` term function): weight 0 from step 0, half
  from step 2400 (iteration 100 of 24 env steps), the task's weight from step 3600 (150)."""
  ramp = env_cfg.curriculum["action_rate_weight"]
  for name in GAIT_PENALTIES:
    weight = env_cfg.rewards[name].weight
    stages = [
      {"step": 0, "weight": 0.0},
      {"step": 2400, "weight": weight / 2},
      {"step": 3600, "weight": weight},
    ]
    env_cfg.curriculum[f"{name}_weight"] = dataclasses.replace(
      ramp, params={"reward_name": name, "weight_stages": stages}
    )


CANDIDATES = {"gait_penalty_ramp": gait_penalty_ramp}
"""--candidate NAME -> a function that changes the training env config in place."""


def run_train_bench(cfg: TrainBench) -> dict:
  """Train, evaluating every ``eval_every`` iterations, until the first pass (with
  ``stop_on_pass``), the time budget or ``max_iterations``; write the curve to
  ``out``/curve_seed{seed}.json and return the same dict."""
  from rsl_rl.runners import OnPolicyRunner

  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation import (
    TrackingEvalCfg,
    eval_env_cfg,
    run_tracking_eval,
    save_tracking_outputs,
  )
  from trotlab.rl.runner import resume_clock
  from trotlab.rl.vecenv_wrapper import RslRlVecEnvWrapper
  from trotlab.sim.choice import configure_sim, resolve_device
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  mdp = load_mdp(cfg.mdp)
  device = resolve_device(cfg.device, cfg.sim_backend)
  spec = get_task(cfg.task)
  env_cfg = spec.env_cfg(play=False, device=device, mdp=mdp)
  agent = spec.agent_cfg(device=device, warm_start=cfg.warm_start)
  if cfg.candidate is not None:
    CANDIDATES[cfg.candidate](env_cfg)
  apply_overrides({"env": env_cfg, "agent": agent}, cfg.set)
  agent.seed = env_cfg.seed = cfg.seed
  torch.manual_seed(cfg.seed)
  if cfg.threads is not None:
    torch.set_num_threads(cfg.threads)
    env_cfg.sim.nthread = cfg.threads

  sim_backend = configure_sim(env_cfg.sim, cfg.sim_backend, device)
  env = ManagerBasedRlEnv(env_cfg, verbose=False)
  env.common_step_counter = cfg.start_step
  if cfg.init_checkpoint is None and agent.init_checkpoint:
    resume_clock(env, agent.init_checkpoint, agent.num_steps_per_env)
  timers = _instrument(env)
  runner = OnPolicyRunner(RslRlVecEnvWrapper(env), agent.to_rsl_rl(), log_dir=None, device=device)
  eval_cfg = TrackingEvalCfg()
  eval_env_config = eval_env_cfg(spec.env_cfg(play=True, device=device, mdp=mdp), eval_cfg)
  configure_sim(eval_env_config.sim, cfg.sim_backend, device)
  eval_env_config.sim.nthread = cfg.threads
  eval_env = ManagerBasedRlEnv(eval_env_config, verbose=False)
  start = str(cfg.init_checkpoint or agent.init_checkpoint)
  if cfg.init_checkpoint is not None:
    runner.load(str(cfg.init_checkpoint), map_location=device)
    runner.current_learning_iteration = 0
  elif agent.init_checkpoint:
    runner.load(agent.init_checkpoint, map_location=device)
    runner.current_learning_iteration = 0  # this bench counts its own iterations from 0
  start_step = env.common_step_counter
  model = runner.alg.get_policy()

  def policy(obs):
    """The current policy's actions for the evaluation env's observations, on its device."""
    return model(TensorDict(obs, batch_size=[eval_env.num_envs]).to(device)).to(eval_env.device)

  samples_per_iter = agent.num_steps_per_env * env.num_envs
  print(
    f"[bench train] {cfg.task}, seed {cfg.seed}, device {device}, sim {sim_backend}, "
    f"{env.num_envs} envs, "
    f"actor {agent.actor.hidden_dims}, {samples_per_iter} samples/iteration"
    + (f", candidate {cfg.candidate}" if cfg.candidate else "")
    + (f", changed: {' '.join(cfg.set)}" if cfg.set else "")
    + (f", from {start}" if start else "")
  )
  curve, train_time, iteration, first_pass = [], 0.0, 0, None
  max_iterations = cfg.max_iterations or float("inf")
  while train_time < cfg.budget_min * 60 and iteration < max_iterations:
    start = time.perf_counter()
    runner.learn(cfg.eval_every, init_at_random_ep_len=iteration == 0)
    train_time += time.perf_counter() - start
    iteration += cfg.eval_every
    runner.alg.eval_mode()
    metrics = run_tracking_eval(eval_env, policy, eval_cfg, progress=False)
    runner.alg.train_mode()
    moving = {name: p for name, p in metrics["phases"].items() if p["moving"]}
    point = {
      "iteration": iteration,
      "train_time_s": round(train_time, 1),
      "samples": iteration * samples_per_iter,
      "passed": metrics["passed"],
      "fell_fraction": metrics["fell_fraction"],
      "worst_xy_error": max(p["mean_xy_error"] for p in moving.values()),
      "worst_wz_error": max(p["mean_abs_wz_error"] for p in moving.values()),
      "phases": {
        name: [round(p["mean_xy_error"], 3), round(p["mean_abs_wz_error"], 3)]
        for name, p in moving.items()
      },
    }
    curve.append(point)
    seed_dir = cfg.out / f"seed{cfg.seed}"
    if cfg.save_checkpoints:
      seed_dir.mkdir(parents=True, exist_ok=True)
      runner.save(str(seed_dir / f"model_{iteration}.pt"))
    print(
      f"[bench train] it {iteration:4d}  {train_time / 60:5.2f} min  "
      f"worst |v_xy err| {point['worst_xy_error']:.3f}  worst |wz err| {point['worst_wz_error']:.3f}  "
      f"fell {point['fell_fraction']:.0%}  {'PASS' if point['passed'] else 'fail'}"
    )
    if metrics["passed"] and first_pass is None:
      first_pass = point
      seed_dir.mkdir(parents=True, exist_ok=True)
      runner.save(str(seed_dir / f"model_{iteration}.pt"))
      save_tracking_outputs(
        metrics, seed_dir, title=f"{cfg.task} (seed {cfg.seed}, {train_time / 60:.1f} min)"
      )
      if cfg.stop_on_pass:
        break
  split = {k: round(v, 1) for k, v in timers.items()}
  learn_time = train_time - sum(split.values())
  result = {
    "task": cfg.task,
    "seed": cfg.seed,
    "device": device,
    "sim_backend": sim_backend,
    "num_envs": env.num_envs,
    "candidate": cfg.candidate,
    "changed": list(cfg.set),
    "init_checkpoint": start or None,
    "start_step": start_step,
    "samples_per_iteration": samples_per_iter,
    "time_to_pass_s": first_pass["train_time_s"] if first_pass else None,
    "iterations_to_pass": first_pass["iteration"] if first_pass else None,
    "env_steps_per_s_with_ppo": round(iteration * samples_per_iter / train_time),
    "time_split_s": {**split, "policy_and_learning": round(learn_time, 1)},
    "curve": curve,
  }
  cfg.out.mkdir(parents=True, exist_ok=True)
  path = cfg.out / f"curve_seed{cfg.seed}.json"
  path.write_text(json.dumps(result, indent=1))
  if first_pass:
    verdict = f"passed after {first_pass['train_time_s'] / 60:.2f} min"
  elif iteration >= max_iterations:
    verdict = f"did not pass in {iteration} iterations (--max-iterations)"
  else:
    verdict = (
      f"did not pass; stopped at iteration {iteration} by the {cfg.budget_min:g}-min training "
      "budget (--budget-min)"
    )
  print(
    f"[bench train] seed {cfg.seed}: {verdict}; time split {result['time_split_s']}; wrote {path}"
  )
  return result


def _instrument(env) -> dict[str, float]:
  """Wrap the env's simulation step and its manager work with timers (wall-clock seconds).

  On CUDA the work is asynchronous: the split then measures launch time, and only the total
  training wall-clock is meaningful (we do not synchronize, so as not to slow training down)."""
  timers = {"simulation": 0.0, "managers": 0.0}
  sim_step, env_step = env.sim.step, env.step

  def timed_sim_step(*args, **kwargs):
    """``env.sim.step``, adding its wall-clock to ``timers["simulation"]``."""
    start = time.perf_counter()
    out = sim_step(*args, **kwargs)
    timers["simulation"] += time.perf_counter() - start
    return out

  def timed_env_step(*args, **kwargs):
    """``env.step``, adding its wall-clock less the simulation time within it to
    ``timers["managers"]``."""
    start, sim_before = time.perf_counter(), timers["simulation"]
    out = env_step(*args, **kwargs)
    timers["managers"] += time.perf_counter() - start - (timers["simulation"] - sim_before)
    return out

  env.sim.step, env.step = timed_sim_step, timed_env_step
  return timers


@dataclasses.dataclass
class CurvesPlot:
  """Plot the evaluation metrics of train-bench runs against training wall-clock."""

  data: Path = Path("docs/data")
  """Folder with curve_seed*.json."""
  out: Path = Path("docs/training_curve.png")


def plot_curves(cfg: CurvesPlot) -> Path:
  """Plot each run's worst-phase xy and wz tracking errors against training wall-clock, with the
  pass thresholds, and save the figure to ``cfg.out`` (returned)."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  runs = [json.loads(p.read_text()) for p in sorted(cfg.data.glob("curve_seed*.json"))]
  if not runs:
    raise SystemExit(f"error: no curve_seed*.json in {cfg.data}")
  fig, axes = plt.subplots(1, 2, figsize=(11, 4))
  for run in runs:
    t = [p["train_time_s"] / 60 for p in run["curve"]]
    label = f"seed {run['seed']}" + (
      f", passed at {run['time_to_pass_s'] / 60:.1f} min"
      if run["time_to_pass_s"]
      else ", did not pass"
    )
    axes[0].plot(t, [p["worst_xy_error"] for p in run["curve"]], marker=".", label=label)
    axes[1].plot(t, [p["worst_wz_error"] for p in run["curve"]], marker=".", label=label)
  for ax, limit, title in (
    (axes[0], 0.2, "worst phase mean |v_xy - cmd_xy| [m/s]"),
    (axes[1], 0.25, "worst phase mean |wz - cmd_wz| [rad/s]"),
  ):
    ax.axhline(limit, color="black", linestyle="--", linewidth=1, label="pass threshold")
    ax.set_xlabel("training wall-clock [min] (2-core CPU, evaluations excluded)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
  axes[0].legend(fontsize=8)
  fig.suptitle(
    "Go1 velocity tracking, reference MDP, CPU default: tracking evaluation during training"
  )
  fig.tight_layout()
  cfg.out.parent.mkdir(parents=True, exist_ok=True)
  fig.savefig(cfg.out, dpi=110)
  print(f"wrote {cfg.out}")
  return cfg.out
