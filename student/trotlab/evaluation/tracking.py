"""The tracking evaluation: one protocol for ``evaluate``, the autograder and the benchmarks.

64 envs, play configuration (no observation noise, no pushes, no time-out), deterministic
policy. The 64 envs are 64 different robots: each starts from its own state of a seeded spread
(``InitialSpread``: headings evenly over the circle, small joint offsets, foot friction across
the training range), the same for every run, so the rollout is deterministic and the grader
re-plays it step for step. The command is scripted, the same for all envs: 1 s standing, then
4 s each of forward (0.5, 0, 0), lateral (0, 0.3, 0), yaw (0, 0, 0.5) and mixed (0.4, 0, 0.3)
[vx m/s, vy m/s, wz rad/s, body frame]. The first second of each phase is settling, not scored.

Per phase: mean |vx err|, |vy err|, ||v_xy err||, |wz err| over envs and scored time, and the
fraction of envs that have fallen (trunk tilt > 60 degrees, or a non-foot geom touching the
ground), latched from the step it happens. Velocities and falls come from the simulator state
through the framework (EntityData, ContactSensor), never from MDP terms. The env's termination,
reward, event and curriculum terms are removed, so no submitted code can reset an env.

Pass rule (``PassRule``), relative to the command: in every moving phase, mean ||v_xy - cmd_xy||
<= max(0.4 ||cmd_xy||, 0.1) m/s and mean |wz - cmd_wz| <= max(0.4 |cmd_wz|, 0.15) rad/s, and no
env fell. A robot that only stands fails it, and so does one that tracks half of any commanded
component.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
from trotlab.envs.manager_based_rl_env_cfg import ManagerBasedRlEnvCfg
from trotlab.evaluation.scripted_command import ScriptedVelocityCommandCfg
from trotlab.utils.math import quat_from_euler_xyz, quat_mul
from trotlab.utils.progress import ProgressBar


@dataclasses.dataclass(frozen=True)
class Phase:
  name: str
  duration_s: float
  twist: tuple[float, float, float]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PassRule:
  """The pass rule for one moving phase: the largest mean errors allowed, relative to the
  phase's command with a floor (a robot that tracks half of a component fails)."""

  relative: float = 0.4
  """Fraction of the commanded planar speed ||cmd_xy|| (and of |cmd_wz|) allowed as mean error."""
  min_xy_error: float = 0.1
  """m/s: the floor of the xy limit (a phase that commands no planar motion gets this)."""
  min_yaw_error: float = 0.15
  """rad/s: the floor of the yaw-rate limit."""

  def limits(self, twist: tuple[float, float, float]) -> tuple[float, float]:
    """(max mean ||v_xy - cmd_xy|| [m/s], max mean |wz - cmd_wz| [rad/s]) for the body-frame
    command ``twist`` = (vx, vy, wz)."""
    vx, vy, wz = twist
    xy = max(self.relative * math.hypot(vx, vy), self.min_xy_error)
    return xy, max(self.relative * abs(wz), self.min_yaw_error)

  def describe(self) -> str:
    """The rule in one line, e.g. for a plot's title."""
    return (
      f"mean ||v_xy - cmd|| ≤ max({self.relative:g}·||cmd_xy||, {self.min_xy_error:g}) m/s,"
      f" mean |wz - cmd| ≤ max({self.relative:g}·|cmd_wz|, {self.min_yaw_error:g}) rad/s"
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class InitialSpread:
  """The evaluation's 64 different robots: env i of N starts at rest at its reset position with

  - heading (world yaw) -pi + 2 pi i / N: evenly over the circle;
  - every joint at its default angle plus U(-joint_offset, joint_offset) rad (clamped to the soft
    limits), zero joint velocity;
  - the sliding friction of its four foot geoms at one of N evenly spaced values across
    ``friction_range`` (the training randomization's range), assigned by a seeded permutation
    so that friction and heading are not related.

  Draws come from a torch Generator seeded with ``seed`` on the CPU: the same spread on every
  run, machine and device, which the grader's re-play rebuilds exactly."""

  seed: int = 2026
  joint_offset: float = 0.05
  """rad: half-width of the uniform joint-angle offsets (the training reset draws up to 0.1)."""
  friction_range: tuple[float, float] = (0.4, 1.2)
  """Foot sliding friction, the range the training's foot_friction event draws from."""
  foot_geoms: str = r".*_foot_collision"
  """Regex of the robot's foot geoms whose friction is spread."""


@dataclasses.dataclass(kw_only=True)
class TrackingEvalCfg:
  num_envs: int = 64
  phases: tuple[Phase, ...] = (
    Phase("stand", 1.0, (0.0, 0.0, 0.0)),
    Phase("forward", 4.0, (0.5, 0.0, 0.0)),
    Phase("lateral", 4.0, (0.0, 0.3, 0.0)),
    Phase("yaw", 4.0, (0.0, 0.0, 0.5)),
    Phase("mixed", 4.0, (0.4, 0.0, 0.3)),
  )
  settle_s: float = 1.0
  rule: PassRule = dataclasses.field(default_factory=PassRule)
  spread: InitialSpread | None = dataclasses.field(default_factory=InitialSpread)
  """The robots' distinct initial states; None: every env starts alike (probes only)."""
  tilt_limit_deg: float = 60.0
  command_name: str = "twist"
  nonfoot_sensor: str = "nonfoot_ground_contact"


def eval_env_cfg(play_cfg: ManagerBasedRlEnvCfg, cfg: TrackingEvalCfg) -> ManagerBasedRlEnvCfg:
  """The play config with the scripted command, and nothing that could reset or change envs."""
  env_cfg = dataclasses.replace(play_cfg)
  env_cfg.scene = dataclasses.replace(play_cfg.scene, num_envs=cfg.num_envs)
  env_cfg.commands = {cfg.command_name: ScriptedVelocityCommandCfg()}
  env_cfg.terminations = {}
  env_cfg.rewards = {}
  env_cfg.events = {}
  env_cfg.curriculum = {}
  env_cfg.episode_length_s = 1.0e6
  terrain = play_cfg.scene.terrain
  if terrain.generator is not None:  # the fixed test terrain: every type, levels spread evenly
    top = terrain.generator.num_levels - 1
    env_cfg.scene.terrain = dataclasses.replace(terrain, placement="spread", max_init_level=top)
  for group in env_cfg.observations.values():
    if group.enable_corruption:
      raise ValueError("The tracking evaluation needs a config without observation noise.")
  return env_cfg


def apply_initial_spread(env: ManagerBasedRlEnv, spread: InitialSpread) -> dict[str, torch.Tensor]:
  """Put every robot of a freshly reset eval env at its own initial state (``InitialSpread``)
  and return the observations recomputed for that state."""
  robot = env.scene["robot"]
  n, device = env.num_envs, env.device
  generator = torch.Generator().manual_seed(spread.seed)
  friction_rank = torch.randperm(n, generator=generator)
  offsets = torch.rand(n, robot.num_joints, generator=generator) * 2 - 1

  yaw = torch.arange(n, dtype=torch.float32) * (2 * math.pi / n) - math.pi
  zero = torch.zeros_like(yaw)
  state = torch.zeros(n, 13, device=device)  # at rest: zero twist
  state[:, 0:3] = robot.data.root_link_pos_w
  turn = quat_from_euler_xyz(zero, zero, yaw).to(device)
  state[:, 3:7] = quat_mul(turn, robot.data.default_root_state[:, 3:7])
  robot.write_root_state_to_sim(state)

  data = robot.data
  limits = data.soft_joint_pos_limits
  joint_pos = data.default_joint_pos + spread.joint_offset * offsets.to(device)
  joint_pos = joint_pos.clamp(limits[..., 0], limits[..., 1])
  robot.write_joint_state_to_sim(joint_pos, torch.zeros_like(joint_pos))

  low, high = spread.friction_range
  friction = low + (high - low) * (friction_rank.double() + 0.5) / n
  local, _ = robot.find_geoms(spread.foot_geoms)
  geoms = torch.tensor([robot.geom_model_ids[i] for i in local])
  values = env.sim.model_field("geom_friction")
  rows, cols = torch.arange(n).unsqueeze(1), geoms.unsqueeze(0)
  values[rows.to(values.device), cols.to(values.device), 0] = (
    friction.unsqueeze(1).expand(n, len(geoms)).to(values.device, values.dtype)
  )
  env.sim.forward()
  env.obs_buf = env.observation_manager.compute()
  return env.obs_buf


def run_tracking_eval(
  env: ManagerBasedRlEnv,
  policy: Callable[[dict[str, torch.Tensor]], torch.Tensor],
  cfg: TrackingEvalCfg,
  progress: bool = True,
  before_step: Callable[[int], None] | None = None,
) -> dict:
  """Run the protocol on an env built from ``eval_env_cfg``. Returns the metrics dict (with the
  per-step traces under "_traces", numpy arrays, for saving).

  ``before_step(t)``, if given, runs before the policy is asked for the action of step t (t
  counts over all phases): the autograder records or re-plays the trajectory there.

  A policy with a ``reset()`` (trotlab.rl.policy.InferencePolicy) is reset once at the start; no
  env is reset during the protocol, so a recurrent policy carries its state through it."""
  command = env.command_manager.get_term(cfg.command_name)
  robot = env.scene["robot"]
  nonfoot = env.scene[cfg.nonfoot_sensor]
  obs = env.reset()
  if cfg.spread is not None:
    obs = apply_initial_spread(env, cfg.spread)
  if hasattr(policy, "reset"):  # a recurrent policy starts from a zero hidden state
    policy.reset()
  fallen = torch.zeros(env.num_envs, dtype=torch.bool, device=env.device)
  cos_limit = math.cos(math.radians(cfg.tilt_limit_deg))
  traces = {k: [] for k in ("time", "command", "lin_vel_b", "ang_vel_z", "fallen", "phase")}
  phases_out = {}
  t = 0.0
  total_steps = sum(round(phase.duration_s / env.step_dt) for phase in cfg.phases)
  # The per-phase lines go to stdout above a progress bar on stderr (the whole run is silent
  # for tens of seconds on a CPU otherwise).
  with ProgressBar(total_steps, "[evaluate]", enabled=progress) as bar:
    for phase_index, phase in enumerate(cfg.phases):
      command.set(phase.twist)
      steps = round(phase.duration_s / env.step_dt)
      settle = round(cfg.settle_s / env.step_dt)
      errs = {"vx": [], "vy": [], "xy": [], "wz": []}
      for k in range(steps):
        if before_step is not None:
          before_step(len(traces["time"]))
        with torch.inference_mode():
          actions = policy(obs)
        obs, *_ = env.step(actions)
        t += env.step_dt
        lin_vel_b = robot.data.root_link_lin_vel_b
        ang_vel_z = robot.data.root_link_ang_vel_b[:, 2]
        upright = -robot.data.projected_gravity_b[:, 2]  # cos(tilt)
        fallen |= (upright < cos_limit) | (nonfoot.data.found > 0).any(dim=1)
        cmd = command.command
        if k >= settle:
          errs["vx"].append((lin_vel_b[:, 0] - cmd[:, 0]).abs().mean().item())
          errs["vy"].append((lin_vel_b[:, 1] - cmd[:, 1]).abs().mean().item())
          errs["xy"].append(torch.linalg.norm(lin_vel_b[:, :2] - cmd[:, :2], dim=1).mean().item())
          errs["wz"].append((ang_vel_z - cmd[:, 2]).abs().mean().item())
        traces["time"].append(t)
        traces["command"].append(cmd[0].cpu().numpy().copy())
        traces["lin_vel_b"].append(lin_vel_b.cpu().numpy().copy())
        traces["ang_vel_z"].append(ang_vel_z.cpu().numpy().copy())
        traces["fallen"].append(fallen.cpu().numpy().copy())
        traces["phase"].append(phase_index)
        bar.update()
      moving = any(abs(x) > 0 for x in phase.twist)
      result = {k: float(np.mean(v)) if v else None for k, v in errs.items()}  # None: not scored
      result = {
        "command": list(phase.twist),
        "moving": moving,
        "mean_abs_vx_error": result["vx"],
        "mean_abs_vy_error": result["vy"],
        "mean_xy_error": result["xy"],
        "mean_abs_wz_error": result["wz"],
        "fell_fraction": fallen.float().mean().item(),
      }
      if moving:
        max_xy, max_wz = cfg.rule.limits(phase.twist)
        result["max_xy_error"], result["max_abs_wz_error"] = max_xy, max_wz
        result["passed"] = bool(
          result["mean_xy_error"] <= max_xy
          and result["mean_abs_wz_error"] <= max_wz
          and result["fell_fraction"] == 0.0
        )
      phases_out[phase.name] = result
      if progress:
        if moving:
          errors = (
            f"|v_xy err| {result['mean_xy_error']:.3f} m/s (max {max_xy:.3g}),"
            f" |wz err| {result['mean_abs_wz_error']:.3f} rad/s (max {max_wz:.3g})"
          )
        else:
          errors = "settling, not scored"
        verdict = f", {'pass' if result['passed'] else 'FAIL'}" if moving else ""
        bar.write(
          f"[evaluate] {phase.name:<8} cmd {phase.twist}: {errors}, fell {result['fell_fraction']:.0%}{verdict}"
        )
  passed = all(p["passed"] for p in phases_out.values() if p["moving"]) and not fallen.any().item()
  extra = {}
  if env.scene.terrain.levels is not None:
    extra["terrain"] = terrain_falls(env.scene.terrain, fallen)
    if progress:
      print(f"[evaluate] terrain: {describe_terrain_falls(extra['terrain'])}")
  return {
    "passed": passed,
    "fell_fraction": fallen.float().mean().item(),
    "thresholds": {**dataclasses.asdict(cfg.rule), "tilt_limit_deg": cfg.tilt_limit_deg},
    "spread": None if cfg.spread is None else dataclasses.asdict(cfg.spread),
    "num_envs": env.num_envs,
    "phases": phases_out,
    **extra,
    "_traces": {k: np.asarray(v) for k, v in traces.items()},
  }


def terrain_falls(terrain, fallen: torch.Tensor) -> dict:
  """On a generated terrain: the fraction of envs that fell by sub-terrain type and by level,
  and the highest level up to which no env fell (-1: one fell on level 0)."""
  names = terrain.generated.type_names
  levels, types, fell = terrain.levels.cpu(), terrain.types.cpu(), fallen.cpu().float()
  by_type = {}
  for name in dict.fromkeys(names):  # each type once, in column order
    envs = torch.tensor([names[int(t)] == name for t in types])
    if envs.any():
      by_type[name] = fell[envs].mean().item()
  by_level = {int(lv): fell[levels == lv].mean().item() for lv in levels.unique()}
  reached = -1
  for level, fraction in sorted(by_level.items()):
    if fraction > 0:
      break
    reached = level
  return {
    "fell_by_type": by_type,
    "fell_by_level": by_level,
    "highest_level_without_falls": reached,
  }


def describe_terrain_falls(terrain: dict) -> str:
  """``terrain_falls``'s figures in one line: the fall fractions by type, and the levels robots
  crossed without a fall."""
  by_type = ", ".join(f"{name} {f:.0%}" for name, f in terrain["fell_by_type"].items())
  reached = terrain["highest_level_without_falls"]
  levels = "robots fell even on level 0" if reached < 0 else f"no robot fell up to level {reached}"
  return f"fell by type: {by_type}; {levels}"


def save_tracking_outputs(metrics: dict, out_dir: Path, title: str = "") -> dict[str, Path]:
  """Write metrics.json, tracking.npz and tracking.png to out_dir."""
  out_dir.mkdir(parents=True, exist_ok=True)
  traces = metrics["_traces"]
  paths = {
    "metrics": out_dir / "metrics.json",
    "npz": out_dir / "tracking.npz",
    "png": out_dir / "tracking.png",
  }
  paths["metrics"].write_text(
    json.dumps({k: v for k, v in metrics.items() if k != "_traces"}, indent=2)
  )
  np.savez_compressed(paths["npz"], **traces)
  plot_tracking(traces, metrics, paths["png"], title)
  return paths


def phase_verdicts(metrics: dict) -> dict[str, tuple[bool | None, str]]:
  """Per phase of ``metrics`` (run_tracking_eval's dict, or metrics.json): (passed, label).

  passed is None for a phase that is not scored (standing). The label's first line is
  "<phase>: PASS" or "<phase>: FAIL" (or "not scored"); then the measured mean errors against the
  pass rule's limits for that phase's command, and the falls, e.g. "v_xy err 0.312 > 0.2 m/s"."""
  out = {}
  for name, phase in metrics["phases"].items():
    if not phase["moving"]:
      out[name] = (None, f"{name}\nnot scored")
      continue
    passed = bool(phase["passed"])
    lines = [f"{name}: {'PASS' if passed else 'FAIL'}"]
    for label, key, limit, unit in (
      ("v_xy err", "mean_xy_error", phase["max_xy_error"], "m/s"),
      ("wz err", "mean_abs_wz_error", phase["max_abs_wz_error"], "rad/s"),
    ):
      error = phase[key]
      if error is None:  # a phase no longer than its settling time
        lines.append(f"{label} -- (not measured)")
      else:
        relation = "≤" if error <= limit else ">"
        lines.append(f"{label} {error:.3f} {relation} {limit:.3g} {unit}")
    fell = phase["fell_fraction"]
    lines.append("no env fell" if fell == 0 else f"fell: {fell:.0%} of envs")
    out[name] = (passed, "\n".join(lines))
  return out


def plot_tracking(
  traces: dict, metrics: dict, path: Path, title: str = "", settle_s: float | None = None
) -> None:
  """Draw vx, vy and wz over time: the command, the measured mean over envs with a +-1 std band,
  the pass rule's tolerance around the command where it is scored, the settling windows, and
  each phase's name, PASS / FAIL and measured errors (``phase_verdicts``) above the plot.

  traces: time (T,) [s], phase (T,) index into metrics["phases"], command (T, 3),
  lin_vel_b (T, N, 3), ang_vel_z (T, N). settle_s: default TrackingEvalCfg's."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  from matplotlib.transforms import blended_transform_factory

  if settle_s is None:
    settle_s = TrackingEvalCfg().settle_s
  t = np.asarray(traces["time"])
  phase_of_step = np.asarray(traces["phase"])
  dt = float(np.diff(t).mean()) if len(t) > 1 else float(t[0])  # t is each step's end
  settle_steps = round(settle_s / dt)
  verdicts = phase_verdicts(metrics)
  steps = {  # phase name -> its step indices
    name: np.flatnonzero(phase_of_step == i) for i, name in enumerate(metrics["phases"])
  }
  steps = {name: idx for name, idx in steps.items() if len(idx)}
  rule = PassRule(**{f.name: metrics["thresholds"][f.name] for f in dataclasses.fields(PassRule)})

  labelled: set[str] = set()

  def once(text: str) -> str | None:
    """``text`` the first time, then None: one legend entry for the whole figure."""
    if text in labelled:
      return None
    labelled.add(text)
    return text

  fig, axes = plt.subplots(3, 1, figsize=(12, 8.8), sharex=True)
  series = (  # label, measured (T, N), command (T,), which of the phase's limits bands it
    ("vx [m/s]", traces["lin_vel_b"][..., 0], traces["command"][:, 0], "max_xy_error"),
    ("vy [m/s]", traces["lin_vel_b"][..., 1], traces["command"][:, 1], "max_xy_error"),
    ("wz [rad/s]", traces["ang_vel_z"], traces["command"][:, 2], "max_abs_wz_error"),
  )
  for ax, (label, measured, cmd, limit_key) in zip(axes, series, strict=True):
    mean, std = measured.mean(axis=1), measured.std(axis=1)  # over envs: (T,)
    for name, idx in steps.items():
      start = t[idx[0]] - dt
      ax.axvline(start, color="0.4", linewidth=0.8)
      if settle_steps > 0:
        settled = t[idx[min(settle_steps, len(idx)) - 1]]
        ax.axvspan(start, settled, color="0.88", linewidth=0, label=once("settling, not scored"))
      scored = idx[settle_steps:]
      if verdicts[name][0] is not None and len(scored):
        # The rule bounds the mean error (||.|| of v_xy): a band, not a per-step limit.
        tolerance = metrics["phases"][name][limit_key]
        ax.fill_between(
          t[scored],
          cmd[scored] - tolerance,
          cmd[scored] + tolerance,
          color="tab:green",
          alpha=0.2,
          linewidth=0,
          label=once("command ± allowed mean error"),
        )
    ax.fill_between(
      t,
      mean - std,
      mean + std,
      color="tab:blue",
      alpha=0.25,
      linewidth=0,
      label=once("measured ± 1 std over envs"),
    )
    ax.plot(t, mean, color="tab:blue", linewidth=1.2, label=once("measured, mean over envs"))
    ax.plot(t, cmd, color="black", linestyle="--", linewidth=1.0, label=once("command"))
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
  axes[-1].set_xlabel("time [s]")
  axes[-1].set_xlim(0.0, t[-1])

  # Each phase's verdict above the top row, centred on the phase.
  above = blended_transform_factory(axes[0].transData, axes[0].transAxes)
  colors = {True: "tab:green", False: "tab:red", None: "0.35"}
  for name, idx in steps.items():
    passed, text = verdicts[name]
    centre = (t[idx[0]] - dt + t[idx[-1]]) / 2
    axes[0].text(
      centre,
      1.03,
      text,
      transform=above,
      ha="center",
      va="bottom",
      fontsize=8,
      color=colors[passed],
      fontweight="normal" if passed is None else "bold",
    )

  verdict = "PASS" if metrics["passed"] else "FAIL"
  fig.suptitle(
    f"{title} tracking evaluation: {verdict} (fell: {metrics['fell_fraction']:.0%})".strip()
    + f"\npass rule, per moving phase: {rule.describe()},"
    f"\nand no env fell; the first {settle_s:g} s of each phase is not scored",
    fontsize=10,
  )
  fig.legend(loc="lower center", ncol=5, fontsize=8, frameon=False)
  fig.tight_layout(rect=(0, 0.04, 1, 1))
  fig.savefig(path, dpi=110)
  plt.close(fig)
