"""Grade one Gradescope submission and write results.json in Gradescope's format.

  python -m autograder.gradescope.run --submission DIR --results FILE [--profile cpu|gpu]
                                      [--skip-training] [--assignment flat|rough]

One Gradescope test per TODO (term checks, with the feedback grade.py writes), per training
phase and no-fall, and per autograded notebook exercise. Written answers (W*) are graded by
hand in Gradescope and are not listed. Student code runs only in the sandbox (it cannot write
the results file: it runs as another user, and this file is written last, atomically).

The assignment graded and the assignment's timeout are the autograder zip's settings
(``build --assignment ... --timeout-min ...`` writes them into the zip as SETTINGS_FILE; without
that file, the first assignment and Gradescope's default of 10 minutes). The stages are budgeted
so that results.json is written before the timeout: the term checks and the notebook first, then
the training check with what time is left (a training that would overrun stops early, and the
policy of its last finished iteration is scored; the visible output says so).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

START = time.monotonic()
"""When this process started, taken before the heavy imports below (torch, MuJoCo: seconds on
a small Gradescope machine): the assignment's timeout counts from about here."""

from autograder.grade import grade_one, read_submission  # noqa: E402
from autograder.training_check import DEFAULT_PROFILE, PROFILES  # noqa: E402
from trotlab.grading.todos import ASSIGNMENTS, FIRST, add_assignment_option  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = "settings.json"
"""At the zip's root (Gradescope's /autograder/source): {"assignment": name, "timeout_s": s,
"leaderboard": bool}."""
DEFAULT_TIMEOUT_S = 600.0
"""Gradescope's default autograder timeout (10 minutes; an assignment may set up to 40)."""
RESULTS_MARGIN_S = 60.0
"""Seconds kept before the timeout: the container's start before this process, writing
results.json, and a slower machine's surprises."""


def built_settings() -> dict:
  """The settings the zip was built with (SETTINGS_FILE); the defaults without it."""
  path = ROOT / SETTINGS_FILE
  settings = json.loads(path.read_text()) if path.is_file() else {}
  return {"assignment": FIRST.name, "timeout_s": DEFAULT_TIMEOUT_S, **settings}


def leaderboard(training: dict | None) -> list[dict]:
  """Gradescope's leaderboard entries from the training check's evaluation: the worst moving
  phase's mean planar error [m/s] and mean yaw-rate error [rad/s], lower first; none without
  an evaluation."""
  phases = [p for p in ((training or {}).get("phases") or {}).values() if p.get("moving")]
  if not phases:
    return []
  return [
    {
      "name": "worst phase: planar error (m/s)",
      "value": round(max(p["mean_xy_error"] for p in phases), 4),
      "order": "asc",
    },
    {
      "name": "worst phase: yaw-rate error (rad/s)",
      "value": round(max(p["mean_abs_wz_error"] for p in phases), 4),
      "order": "asc",
    },
  ]


def results_from_report(report: dict, with_leaderboard: bool = False) -> dict:
  """Gradescope's results.json (score, tests: name, score, max_score, output, visibility), and
  ``leaderboard`` when the assignment shows one (``with_leaderboard``) and the training check
  evaluated a policy."""
  tests = [
    {
      "name": f"TODO({t['todo']}) {t['name']}",
      "score": t["score"],
      "max_score": t["max_score"],
      "output": t["feedback"],
      "visibility": "visible",
    }
    for t in report["terms"]
  ]
  training = report["training"]
  if training is not None:
    for name, item in training["items"].items():
      output = [item["output"] or training["output"], training.get("summary", "")]
      tests.append(
        {
          "name": f"Training check: {name}",
          "score": item["score"],
          "max_score": item["max_score"],
          "output": "\n".join(dict.fromkeys(line for line in output if line)),
          "visibility": "visible",
        }
      )
  for key, item in (report["notebook"] or {}).items():
    if item["score"] is None:
      continue  # written answers: graded by hand
    tests.append(
      {
        "name": f"Notebook {key}",
        "score": item["score"],
        "max_score": item["max_score"],
        "output": item["output"],
        "visibility": "visible",
      }
    )
  summary = [f"Autograded score: {report['score']:g} / {report['max_score']:g}"]
  summary += report["messages"]
  if training is not None and training.get("summary"):
    summary.append(f"Training check: {training['summary']}")
  results = {
    "score": report["score"],
    "output": "\n".join(summary),
    "tests": tests,
    "visibility": "visible",
    "stdout_visibility": "hidden",
  }
  board = leaderboard(training) if with_leaderboard else []
  if board:
    results["leaderboard"] = board
  return results


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("--submission", type=Path, required=True)
  parser.add_argument("--results", type=Path, required=True)
  parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
  parser.add_argument("--skip-training", action="store_true")
  parser.add_argument(
    "--timeout-s",
    type=float,
    default=None,
    help="the assignment's Gradescope timeout (default: the zip's settings)",
  )
  add_assignment_option(parser)
  settings = built_settings()
  parser.set_defaults(assignment=settings["assignment"])
  args = parser.parse_args(argv)
  timeout_s = args.timeout_s or float(settings["timeout_s"])
  deadline = START + timeout_s - RESULTS_MARGIN_S
  assignment = ASSIGNMENTS[args.assignment]
  sub = read_submission(args.submission, assignment.files)
  sub.student = "submission"
  try:
    report = grade_one(
      sub, args.profile, args.skip_training, assignment=assignment, deadline=deadline
    )
    results = results_from_report(report, bool(settings.get("leaderboard")))
  except Exception:  # Gradescope must get a results file: a grader fault is reported, not hidden
    traceback.print_exc()
    results = {
      "score": 0.0,
      "output": "The autograder failed on this submission (not your code's score). Please tell your instructor; the log holds the details.",
      "tests": [],
      "visibility": "visible",
      "stdout_visibility": "hidden",
    }
  args.results.parent.mkdir(parents=True, exist_ok=True)
  tmp = args.results.with_suffix(".tmp")
  tmp.write_text(json.dumps(results, indent=1))
  tmp.replace(args.results)
  print(results["output"])
  return 0


if __name__ == "__main__":
  sys.exit(main())
