"""The calibration tables docs/grading.md quotes, from rows of a known content."""

from __future__ import annotations

import json

import pytest

from autograder import benchmark


def phase(xy: float, wz: float, max_xy: float, max_wz: float, fell: float = 0.0) -> dict:
  return {
    "moving": True,
    "mean_xy_error": xy,
    "mean_abs_wz_error": wz,
    "max_xy_error": max_xy,
    "max_abs_wz_error": max_wz,
    "fell_fraction": fell,
  }


def row(seed: int, iterations: int, mixed_xy: float, score: float) -> dict:
  stand = {"moving": False, "mean_xy_error": None, "fell_fraction": 0.0}
  phases = {"stand": stand, "forward": phase(0.1, 0.05, 0.2, 0.15)}
  phases["mixed"] = phase(mixed_xy, 0.03, 0.16, 0.15)
  return {"variant": "reference", "seed": seed, "iterations": iterations, "score": score} | {
    "max_score": 40.0,
    "items": {"forward": 8.0, "mixed": 8.0 if score == 40 else 0.0},
    "phases": phases,
  }


def test_the_budget_table_counts_full_points_margins_and_names_each_failure(tmp_path, monkeypatch):
  rows = [
    row(1, 70, 0.08, 40.0),  # worst: forward 0.1 / 0.2 = 0.5
    row(2, 70, 0.192, 32.0),  # mixed 0.192 / 0.16 = 1.2
    row(3, 70, 0.12, 40.0),  # mixed 0.75
    row(2, 80, 0.08, 40.0),
    row(2, 80, 0.04, 40.0),  # a later row of the same seed and count replaces the earlier
  ]
  (tmp_path / "calibration_cpu_warm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
  monkeypatch.setattr(benchmark, "OUT", tmp_path)
  lines = benchmark.budget_table("cpu_warm").splitlines()
  assert lines[2] == ("| 70 | 2 of 3 | 0.75, 1.20 | seed 2: 32 (mixed: planar 0.192 > 0.16 m/s) |")
  assert lines[3] == "| 80 | 1 of 1 | 0.50, 0.50 | - |"
  assert "| reference | 3 | 2 | 0 |" in benchmark.calibration_table("cpu_warm")


def test_rows_carry_the_commit_and_the_uncommitted_changes_they_ran_with():
  code = benchmark.code_state()
  if code["commit"] is None:
    pytest.skip("not a git checkout")
  assert len(code["commit"]) == 40
  assert all(not line[3:].startswith("docs/") for line in code["uncommitted_changes"])
