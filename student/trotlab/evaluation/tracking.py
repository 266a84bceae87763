"""The tracking evaluation: one protocol for ``evaluate``, the autograder and the benchmarks.

64 envs, play configuration (no observation noise, no pushes, nominal friction, no time-out),
deterministic policy. The command is scripted, the same for all envs: 1 s standing, then 4 s
each of forward (0.5, 0, 0), lateral (0, 0.3, 0), yaw (0, 0, 0.5) and mixed (0.4, 0, 0.3)
[vx m/s, vy m/s, wz rad/s, body frame]. The first second of each phase is settling, not scored.

Per phase: mean |vx err|, |vy err|, ||v_xy err||, |wz err| over envs and scored time, and the
fraction of envs that have fallen (trunk tilt > 60 degrees, or a non-foot geom touching the
ground), latched from the step it happens. Velocities and falls come from the simulator state
through the framework (EntityData, ContactSensor), never from MDP terms. The env's termination,
reward, event and curriculum terms are removed, so no submitted code can reset an env.

Pass rule: in every moving phase, mean ||v_xy - cmd_xy|| <= 0.2 m/s and mean |wz - cmd_wz| <=
0.25 rad/s, and no env fell. A robot that only stands fails it.
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
from trotlab.utils.progress import ProgressBar


@dataclasses.dataclass(frozen=True)
class Phase:
  name: str
  duration_s: float
  twist: tuple[float, float, float]


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
  max_xy_error: float = 0.2
  """m/s, mean ||v_xy - cmd_xy|| allowed in each moving phase."""
  max_yaw_error: float = 0.25
  """rad/s, mean |wz - cmd_wz| allowed in each moving phase."""
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
        result["passed"] = bool(
          result["mean_xy_error"] <= cfg.max_xy_error
          and result["mean_abs_wz_error"] <= cfg.max_yaw_error
          and result["fell_fraction"] == 0.0
        )
      phases_out[phase.name] = result
      if progress:
        if moving:
          errors = f"|v_xy err| {result['mean_xy_error']:.3f} m/s, |wz err| {result['mean_abs_wz_error']:.3f} rad/s"
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
    "thresholds": {
      "max_xy_error": cfg.max_xy_error,
      "max_yaw_error": cfg.max_yaw_error,
      "tilt_limit_deg": cfg.tilt_limit_deg,
    },
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
  by_type = ", ".join(f"{name} {f:.0%}" for name, f in terrain["fell_by_type"].items())
  return (
    f"fell by type: {by_type}; no env fell up to level {terrain['highest_level_without_falls']}"
  )


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
  pass rule's limits, and the falls, e.g. "v_xy err 0.312 > 0.2 m/s"."""
  limits = metrics["thresholds"]
  out = {}
  for name, phase in metrics["phases"].items():
    if not phase["moving"]:
      out[name] = (None, f"{name}\nnot scored")
      continue
    passed = bool(phase["passed"])
    lines = [f"{name}: {'PASS' if passed else 'FAIL'}"]
    for label, key, limit, unit in (
      ("v_xy err", "mean_xy_error", limits["max_xy_error"], "m/s"),
      ("wz err", "mean_abs_wz_error", limits["max_yaw_error"], "rad/s"),
    ):
      error = phase[key]
      if error is None:  # a phase no longer than its settling time
        lines.append(f"{label} -- (not measured)")
      else:
        relation = "≤" if error <= limit else ">"
        lines.append(f"{label} {error:.3f} {relation} {limit:g} {unit}")
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
  limits = metrics["thresholds"]

  labelled: set[str] = set()

  def once(text: str) -> str | None:
    """``text`` the first time, then None: one legend entry for the whole figure."""
    if text in labelled:
      return None
    labelled.add(text)
    return text

  fig, axes = plt.subplots(3, 1, figsize=(12, 8.5), sharex=True)
  series = (
    ("vx [m/s]", traces["lin_vel_b"][..., 0], traces["command"][:, 0], limits["max_xy_error"]),
    ("vy [m/s]", traces["lin_vel_b"][..., 1], traces["command"][:, 1], limits["max_xy_error"]),
    ("wz [rad/s]", traces["ang_vel_z"], traces["command"][:, 2], limits["max_yaw_error"]),
  )
  for ax, (label, measured, cmd, tolerance) in zip(axes, series, strict=True):
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
    + f"\npass rule, per moving phase: mean ||v_xy - cmd|| ≤ {limits['max_xy_error']:g} m/s,"
    f" mean |wz - cmd| ≤ {limits['max_yaw_error']:g} rad/s, no env fell;"
    f" the first {settle_s:g} s of each phase is not scored",
    fontsize=10,
  )
  fig.legend(loc="lower center", ncol=5, fontsize=8, frameon=False)
  fig.tight_layout(rect=(0, 0.04, 1, 1))
  fig.savefig(path, dpi=110)
  plt.close(fig)
