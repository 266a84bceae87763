"""Finding a student's run: a missing checkpoint stops play and evaluate with one line that
lists what exists (before any env is built), and "the newest run" passes over trial runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trotlab.scripts import common

TASK = "Mjlab-Velocity-Flat-Unitree-Go1"


def make_run(root: Path, name: str, iterations: range) -> Path:
  """A run folder ``root/go1_velocity/name`` with a checkpoint per iteration in ``iterations``."""
  run = root / "go1_velocity" / name
  run.mkdir(parents=True)
  for it in iterations:
    (run / f"model_{it}.pt").write_bytes(b"")
  return run


def test_the_newest_run_passes_over_newer_trial_runs(tmp_path, capsys):
  logs = tmp_path / "logs"
  make_run(logs, "2026-12-01_10-00-00", range(100, 150, 10))
  real = make_run(logs, "2026-12-02_10-00-00", [100, 110, 120, 130, 140, 149])
  make_run(logs, "2026-12-03_10-00-00_smoke", [100, 101])
  experiment = logs / "go1_velocity"
  assert common.find_checkpoint(experiment, ".*", r"model_.*\.pt") == real / "model_149.pt"
  printed = capsys.readouterr().out
  assert "passing over newer trial runs (under 10 iterations): 2026-12-03_10-00-00_smoke" in printed
  # Named, a trial run is taken; when every run is a trial, the newest is.
  smoke = common.find_checkpoint(experiment, ".*_smoke", r"model_.*\.pt")
  assert smoke.name == "model_101.pt"
  assert common.trained_iterations(real) == 50 and common.trained_iterations(smoke.parent) == 2


def test_a_missing_checkpoint_names_the_runs_that_exist(tmp_path):
  logs = tmp_path / "logs"
  run = make_run(logs, "2026-12-02_10-00-00", [100, 110, 149])
  with pytest.raises(SystemExit) as missing:
    common.require_checkpoint(run / "model_150.pt", tmp_path / "elsewhere")
  message = str(missing.value.code)
  assert "\n" not in message
  assert message.startswith(f"error: --checkpoint-file {run / 'model_150.pt'} does not exist; ")
  assert f"runs under {logs}, newest first: go1_velocity/2026-12-02_10-00-00" in message
  assert "(model_100.pt..model_149.pt)" in message
  with pytest.raises(SystemExit, match="is a folder, not a checkpoint file"):
    common.require_checkpoint(run, logs)
  with pytest.raises(SystemExit, match="there is no trained run under .* yet"):
    common.require_checkpoint(tmp_path / "nothing.pt", tmp_path / "empty")
  common.require_checkpoint(run / "model_149.pt")  # exists: nothing to say
  common.require_checkpoint(None)


@pytest.mark.parametrize("script", ["play", "evaluate"])
def test_play_and_evaluate_stop_on_a_missing_checkpoint_before_building_an_env(
  script, tmp_path, monkeypatch
):
  import importlib

  from trotlab.envs import manager_based_rl_env

  def no_env(*args, **kwargs):
    raise AssertionError("an env was built for a checkpoint that does not exist")

  monkeypatch.setattr(manager_based_rl_env, "ManagerBasedRlEnv", no_env)
  monkeypatch.chdir(tmp_path)
  make_run(tmp_path / "logs" / "rsl_rl", "2026-12-02_10-00-00", [100, 149])
  argv = [script, TASK, "--checkpoint-file", "logs/rsl_rl/go1_velocity/model_149.pt"]
  monkeypatch.setattr(sys, "argv", [*argv, "--mdp", "solutions"])
  module = importlib.import_module(f"trotlab.scripts.{script}")
  with pytest.raises(SystemExit) as stopped:
    module.main()
  message = str(stopped.value.code)
  assert (
    "does not exist" in message
    and "go1_velocity/2026-12-02_10-00-00 (model_100.pt..model_149.pt)" in message
  )
