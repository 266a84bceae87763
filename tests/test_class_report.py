"""The class page (grade.py report, and every batch run's end): right counts for a small class,
no hidden case data, students' ids only with --names, and it renders in headless Chromium (a
screenshot of it is kept, and shows the histograms). Gradescope's leaderboard entries follow
its results.json specification."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder import class_report, grade
from autograder.gradescope import run
from autograder.mutants import MUTANTS, write_mutant
from autograder.term_checks import load_cases
from trotlab.tasks.velocity.mdp import MDP_FILES, resolve_mdp_dir

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOLUTIONS = resolve_mdp_dir("solutions")
STUBS = ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp"


def _copy(source: Path, dest: Path) -> None:
  dest.mkdir(parents=True)
  for name in MDP_FILES:
    shutil.copy(source / f"{name}.py", dest / f"{name}.py")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
  """A class of four graded without training: the reference (with its notebook), the stubs,
  and two planted mistakes (R1 in the world frame; R3 returning float64), these three without
  a notebook. Returns the class CSV; the batch wrote the page beside it."""
  root = tmp_path_factory.mktemp("klass")
  subs = root / "submissions"
  _copy(SOLUTIONS, subs / "ann")
  notebook = ROOT / "notebooks" / "source" / "go1_velocity" / "go1_velocity.ipynb"
  shutil.copy(notebook, subs / "ann" / "go1_velocity.ipynb")
  _copy(STUBS, subs / "ben")
  write_mutant(next(m for m in MUTANTS if m.category == "frame" and m.todo == "R1"), subs / "cat")
  _copy(SOLUTIONS, subs / "dan")
  rewards = subs / "dan" / "rewards.py"
  upright = "  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)\n"
  assert upright in rewards.read_text()
  rewards.write_text(rewards.read_text().replace(upright, upright[:-1] + ".double()\n"))
  out = root / "grades.csv"
  assert grade.main([str(subs), "--out", str(out), "--jobs", "2", "--skip-training"]) == 0
  return out


def test_the_batch_writes_the_page_with_the_right_counts(graded):
  page = class_report.report_path(graded).read_text()
  assert "Class report: 4 students graded" in page and "the batch took" in page
  rows = {m[0]: m for m in _todo_rows(page)}
  # R1: ann and dan full; ben not implemented (todo); cat in the world frame.
  assert rows["R1"][3] == "50%" and "<code>frame</code> 25% (1)" in rows["R1"][5]
  assert "<code>todo</code> 25% (1)" in rows["R1"][5]
  assert rows["R3"][3] == "50%" and "<code>dtype</code> 25% (1)" in rows["R3"][5]
  assert rows["O1"][3] == "75%"  # all but the stubs
  assert 'href="file://' in page and "#r1--track_linear_velocity" in page
  assert "3 student(s): " + grade.NO_NOTEBOOK in page  # ben, cat, dan
  assert "No training check ran in this batch" in page
  assert page.count("data:image/png;base64") == 1  # the histograms


def test_no_hidden_case_data_and_no_ids_without_names(graded):
  page = class_report.report_path(graded).read_text()
  for name in ("ben", "cat", "dan"):
    assert f">{name}<" not in page and f": {name}" not in page
  hidden = [c for c in load_cases() if not c.public]
  assert hidden
  for case in hidden:
    assert case.name not in page
    for value in case.expected.values():
      flat = np.asarray(value).ravel()
      for x in flat[:5]:
        text = f"{float(x):.6g}" if isinstance(x, float | np.floating) else ""
        if sum(ch.isdigit() for ch in text) >= 5:  # a value specific enough to recognise
          assert text not in page, case.name
  assert grade.main(["report", str(graded), "--names"]) == 0
  named = class_report.report_path(graded).read_text()
  assert "ben, cat, dan" in named and "batch time: not recorded" in named


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run does)")
def test_the_page_renders_in_headless_chromium(graded, tmp_path):
  from playwright.sync_api import sync_playwright

  with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
    try:
      page = browser.new_page(viewport={"width": 1300, "height": 1000})
      page.goto(class_report.report_path(graded).resolve().as_uri())
      image = page.locator("img").first
      image.wait_for(timeout=30_000)
      box = image.bounding_box()
      assert box is not None and box["width"] > 600 and box["height"] > 150
      assert page.evaluate("document.images[0].naturalWidth") > 600  # the PNG decoded
      folder = Path(os.environ.get("TROTLAB_SCREENSHOTS") or tmp_path)
      folder.mkdir(parents=True, exist_ok=True)
      shot = folder / "class_report.png"
      page.screenshot(path=str(shot), full_page=True)
      print(f"class report screenshot: {shot}")
      assert shot.stat().st_size > 20_000
    finally:
      browser.close()


def _todo_rows(page: str) -> list[list[str]]:
  """The TODO table's rows as cell texts (the TODO cell's link stripped to its id)."""
  import re

  rows = []
  for row in re.findall(r"<tr>(.*?)</tr>", page):
    cells = re.findall(r"<td>(.*?)</td>", row)
    if cells and re.fullmatch(r"(<a [^>]*>)?[A-Z]\d+(</a>)?", cells[0]):
      cells[0] = re.sub(r"<[^>]+>", "", cells[0])
      rows.append(cells)
  return rows


PHASES = {
  "stand": {"moving": False, "command": [0, 0, 0]},
  "forward": {"moving": True, "mean_xy_error": 0.07, "mean_abs_wz_error": 0.08},
  "yaw": {"moving": True, "mean_xy_error": 0.05, "mean_abs_wz_error": 0.11},
}


def test_the_leaderboard_is_off_by_default_and_follows_gradescopes_fields():
  training = {"score": 40.0, "max_score": 40.0, "items": {}, "output": "", "phases": PHASES}
  report = {"score": 140.0, "max_score": 150.0, "terms": [], "training": training}
  report |= {"notebook": None, "messages": []}
  assert "leaderboard" not in run.results_from_report(report)
  results = run.results_from_report(report, with_leaderboard=True)
  board = results["leaderboard"]
  assert board == [
    {"name": "worst phase: planar error (m/s)", "value": 0.07, "order": "asc"},
    {"name": "worst phase: yaw-rate error (rad/s)", "value": 0.11, "order": "asc"},
  ]
  # Gradescope's specification: a list of {name: str, value: number or str, order: asc|desc}.
  for entry in board:
    assert set(entry) <= {"name", "value", "order"} and isinstance(entry["name"], str)
    assert isinstance(entry["value"], int | float | str) and entry["order"] in ("asc", "desc")
  json.dumps(results)  # JSON-ready
  no_training = report | {"training": None}
  assert "leaderboard" not in run.results_from_report(no_training, with_leaderboard=True)


def test_training_phases_show_pass_rates_errors_and_who_did_not_train():
  """The training part of the page, from three reports with the phases of a real calibration
  run (one of them a check that never started)."""
  rows = ROOT / "docs" / "data" / "grading" / "yaw_weight_1_50_iterations"
  row = json.loads((rows / "calibration_cpu_warm.jsonl").read_text().splitlines()[0])
  training = {"score": row["score"], "max_score": 40.0, "items": {}, "output": row["output"]}
  training |= {"summary": "trained 50 of 50 iterations", "phases": row["phases"]}
  term = {"todo": "R1", "name": "track_linear_velocity", "score": 7, "max_score": 7, "cases": []}
  reports = [
    {"student": f"s{i}", "score": 147.0, "max_score": 150.0, "terms": [term]}
    | {"training": training, "notebook": None, "messages": [], "assignment": "flat"}
    for i in range(3)
  ]
  reports[1]["training"] = training | {"score": 0.0, "summary": "not started: 40 s left"}
  page = class_report.build_report(reports, ROOT / "handouts" / "assignment.md", "h.md", True)
  forward = row["phases"]["forward"]
  ratio = forward["mean_xy_error"] / forward["max_xy_error"]
  assert f"<tr><td>forward</td><td>(0.5, 0.0, 0.0)</td><td>100%</td><td>{ratio:.2f}</td>" in page
  assert "1 student(s): training check scored 0: not started: 40 s left: s1" in page
  assert page.count("data:image/png;base64") == 2  # the histograms and the phases' errors
