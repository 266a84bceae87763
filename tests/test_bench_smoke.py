"""The sim benchmark runs end to end (figures are recorded in docs/benchmarks.md, not tested)."""

from bench import SimBench, run_sim_bench


def test_sim_bench_prints_both_rates_and_the_ratio(capsys):
  result = run_sim_bench(SimBench(num_envs=8, steps=2, repeats=1))
  out = capsys.readouterr().out
  assert "physics-only" in out and "full path" in out
  assert f"ratio: {result['ratio']:.2f}" in out
  assert result["physics_only"] > 0 and result["full_path"] > 0


def test_train_bench_overrides_reach_the_configs():
  """`bench train --set PATH=VALUE` changes the task's configs without editing the task."""
  import pytest

  from trotlab.tasks import get_task
  from trotlab.utils.overrides import apply_overrides

  spec = get_task("Mjlab-Velocity-Flat-Unitree-Go1")
  env, agent = spec.env_cfg(play=False, device="cpu"), spec.agent_cfg(device="cpu")
  apply_overrides(
    {"env": env, "agent": agent},
    (
      "env.scene.num_envs=512",
      "agent.algorithm.num_learning_epochs=3",
      "agent.actor.hidden_dims=[128, 128]",
      "agent.algorithm.symmetry_function=None",
      "env.curriculum.command_ranges.params.command_name=twist",
      "env.curriculum.command_ranges.params.velocity_stages.1.step=480",
    ),
  )
  assert env.curriculum["command_ranges"].params["velocity_stages"][1]["step"] == 480
  assert env.scene.num_envs == 512 and agent.algorithm.num_learning_epochs == 3
  assert agent.actor.hidden_dims == (128, 128) and agent.algorithm.symmetry_function is None
  assert env.curriculum["command_ranges"].params["command_name"] == "twist"
  for bad in ("agent.algorithm.no_such_field=1", "scene.num_envs=4", "env.scene.num_envs"):
    with pytest.raises(ValueError, match="--set"):
      apply_overrides({"env": env, "agent": agent}, (bad,))


def test_iteration_bench_times_each_setting(capsys):
  from bench.iteration import IterationBench, run_iteration_bench

  small = "env.scene.num_envs=8 agent.num_steps_per_env=4"
  settings = (small, f"{small} agent.algorithm.num_learning_epochs=1")
  results = run_iteration_bench(IterationBench(settings=settings, iterations=2, threads=1))
  out = capsys.readouterr().out
  assert [r["setting"] for r in results] == list(settings)
  assert all(r["collect_s"] > 0 and r["update_s"] > 0 for r in results)
  assert "| vs first |" in out and out.count("| env.scene.num_envs=8") == 2


def test_reset_bench_times_all_envs_and_a_subset(capsys):
  """(run_reset_bench loads the reference MDP for its own config.)"""
  from bench.reset import ResetBench, run_reset_bench

  results = run_reset_bench(ResetBench(num_envs=8, subset=2, repeats=1, nthread=1))
  out = capsys.readouterr().out
  assert set(results) == {"reset_all_ms", "reset_read_all_ms", "reset_2_ms", "reset_read_2_ms"}
  assert all(ms > 0 for ms in results.values())
  assert "reset   all envs" in out and "reset + read" in out


def test_main_job_reads_the_last_checkpoint_and_the_worst_moving_phase(tmp_path):
  """bench main-job evaluates a run's highest-numbered checkpoint (model_149.pt, not the
  lexically last model_99.pt) and reports the worst errors over the moving phases only."""
  from bench.main_job import last_checkpoint, worst_errors

  for it in (99, 100, 149):
    (tmp_path / f"model_{it}.pt").touch()
  assert last_checkpoint(tmp_path).name == "model_149.pt"
  phases = {
    "stand": {"moving": False, "mean_xy_error": None, "mean_abs_wz_error": None},
    "forward": {"moving": True, "mean_xy_error": 0.1, "mean_abs_wz_error": 0.3},
    "yaw": {"moving": True, "mean_xy_error": 0.2, "mean_abs_wz_error": 0.05},
  }
  assert worst_errors({"phases": phases}) == (0.2, 0.3)
