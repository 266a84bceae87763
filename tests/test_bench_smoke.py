"""The sim benchmark runs end to end (figures are recorded in docs/benchmarks.md, not tested)."""

from trotlab.bench import SimBench, run_sim_bench


def test_sim_bench_prints_both_rates_and_the_ratio(capsys):
  result = run_sim_bench(SimBench(num_envs=8, steps=2, repeats=1))
  out = capsys.readouterr().out
  assert "physics-only" in out and "full path" in out
  assert f"ratio: {result['ratio']:.2f}" in out
  assert result["physics_only"] > 0 and result["full_path"] > 0
