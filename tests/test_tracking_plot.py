"""tracking.png from a small fake evaluation (no simulation): the per-phase PASS / FAIL labels
with the measured errors, and a plot written next to unchanged metrics.json and tracking.npz."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from trotlab.evaluation.tracking import (
  PassRule,
  TrackingEvalCfg,
  phase_verdicts,
  plot_tracking,
  save_tracking_outputs,
)

DT = 0.02
NUM_ENVS = 6


def phase_result(command, xy, wz, fell=0.0, passed=None) -> dict:
  """A phase of metrics.json as run_tracking_eval writes it."""
  moving = any(c != 0 for c in command)
  out = {
    "command": list(command),
    "moving": moving,
    "mean_abs_vx_error": None if xy is None else xy / 2,
    "mean_abs_vy_error": None if xy is None else xy / 2,
    "mean_xy_error": xy,
    "mean_abs_wz_error": wz,
    "fell_fraction": fell,
  }
  if moving:
    out["max_xy_error"], out["max_abs_wz_error"] = PassRule().limits(command)
    out["passed"] = passed
  return out


def fake_metrics() -> dict:
  """forward passes; lateral fails on v_xy (0.31 m/s); yaw passes; mixed fails by a fall."""
  cfg = TrackingEvalCfg()
  phases = {
    "stand": phase_result((0.0, 0.0, 0.0), None, None),
    "forward": phase_result((0.5, 0.0, 0.0), 0.08, 0.05, passed=True),
    "lateral": phase_result((0.0, 0.3, 0.0), 0.31, 0.07, passed=False),
    "yaw": phase_result((0.0, 0.0, 0.5), 0.06, 0.12, passed=True),
    "mixed": phase_result((0.4, 0.0, 0.3), 0.11, 0.09, fell=1 / NUM_ENVS, passed=False),
  }
  # Traces: each phase's command, the robots lagging behind it and off by the phase's error.
  rng = np.random.default_rng(0)
  time, command, phase_index = [], [], []
  for i, phase in enumerate(cfg.phases):
    for _ in range(round(phase.duration_s / DT)):
      time.append((len(time) + 1) * DT)
      command.append(phase.twist)
      phase_index.append(i)
  command = np.asarray(command, dtype=np.float32)  # (T, 3)
  lag = np.zeros_like(command)
  for k in range(1, len(command)):  # a first-order response, time constant 0.3 s
    lag[k] = lag[k - 1] + (command[k] - lag[k - 1]) * DT / 0.3
  lag[np.asarray(phase_index) == 2, 1] -= 0.3  # lateral: too slow
  noise = rng.normal(scale=0.05, size=(len(time), NUM_ENVS, 3)).astype(np.float32)
  lin_vel_b = lag[:, None, :] + noise  # (T, N, 3); its z column is unused
  traces = {
    "time": np.asarray(time),
    "command": command,
    "lin_vel_b": lin_vel_b,
    "ang_vel_z": lin_vel_b[..., 2],
    "fallen": np.zeros((len(time), NUM_ENVS), dtype=bool),
    "phase": np.asarray(phase_index),
  }
  return {
    "passed": False,
    "fell_fraction": 1 / NUM_ENVS,
    "thresholds": {**dataclasses.asdict(cfg.rule), "tilt_limit_deg": cfg.tilt_limit_deg},
    "num_envs": NUM_ENVS,
    "phases": phases,
    "_traces": traces,
  }


def test_phase_verdicts_name_the_verdict_and_the_measured_errors():
  verdicts = phase_verdicts(fake_metrics())
  assert list(verdicts) == ["stand", "forward", "lateral", "yaw", "mixed"]
  assert verdicts["stand"] == (None, "stand\nnot scored")
  assert verdicts["forward"] == (
    True,
    "forward: PASS\nv_xy err 0.080 \u2264 0.2 m/s\nwz err 0.050 \u2264 0.15 rad/s\nno env fell",
  )
  passed, label = verdicts["lateral"]  # the limits are the lateral command's: 0.4 x 0.3 m/s
  assert passed is False
  assert label.splitlines()[:3] == [
    "lateral: FAIL",
    "v_xy err 0.310 > 0.12 m/s",
    "wz err 0.070 \u2264 0.15 rad/s",
  ]
  assert verdicts["yaw"][1].splitlines()[1:3] == [
    "v_xy err 0.060 \u2264 0.1 m/s",  # the floor: the turn commands no planar speed
    "wz err 0.120 \u2264 0.2 rad/s",
  ]
  passed, label = verdicts["mixed"]  # errors within the limits, but an env fell
  assert passed is False and label.splitlines()[0] == "mixed: FAIL"
  assert label.splitlines()[-1] == "fell: 17% of envs"


def test_pass_rule_is_relative_to_the_command_with_floors():
  """DESIGN.md's four phases: forward 0.2 / 0.15, lateral 0.12 / 0.15, yaw 0.1 / 0.2, mixed
  0.16 / 0.15 [m/s / rad/s]; a robot that tracks half of a command fails."""
  rule = PassRule()
  limits = {phase.name: rule.limits(phase.twist) for phase in TrackingEvalCfg().phases}
  expected = {
    "stand": (0.1, 0.15),
    "forward": (0.2, 0.15),
    "lateral": (0.12, 0.15),
    "yaw": (0.1, 0.2),
    "mixed": (0.16, 0.15),
  }
  for name, (xy, wz) in expected.items():
    assert limits[name] == (pytest.approx(xy), pytest.approx(wz)), name
  assert 0.5 * 0.3 > rule.limits((0.0, 0.3, 0.0))[0]  # half the lateral command: fails
  assert 0.5 * 0.5 > rule.limits((0.0, 0.0, 0.5))[1]  # half the turn: fails


def test_phase_verdicts_follow_the_stored_limits():
  metrics = fake_metrics()
  metrics["phases"]["forward"]["max_xy_error"] = 0.05
  metrics["phases"]["forward"]["passed"] = False
  passed, label = phase_verdicts(metrics)["forward"]
  assert passed is False and "v_xy err 0.080 > 0.05 m/s" in label


def test_plot_and_outputs_from_fake_metrics(tmp_path):
  metrics = fake_metrics()
  png = tmp_path / "alone.png"
  plot_tracking(metrics["_traces"], metrics, png, title="fake")
  assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

  paths = save_tracking_outputs(metrics, tmp_path / "eval", title="fake")
  assert paths["png"].stat().st_size > 20_000
  saved = json.loads(paths["metrics"].read_text())
  assert "_traces" not in saved and saved["phases"]["lateral"]["passed"] is False
  with np.load(paths["npz"]) as npz:
    assert set(npz.files) == {"time", "command", "lin_vel_b", "ang_vel_z", "fallen", "phase"}
