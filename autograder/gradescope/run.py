"""Grade one Gradescope submission and write results.json in Gradescope's format.

  python -m autograder.gradescope.run --submission DIR --results FILE [--profile cpu|gpu]
                                      [--skip-training] [--assignment flat|rough]

One Gradescope test per TODO (term checks, with the feedback grade.py writes), per training
phase and no-fall, and per autograded notebook exercise. Written answers (W*) are graded by
hand in Gradescope and are not listed. Student code runs only in the sandbox (it cannot write
the results file: it runs as another user, and this file is written last, atomically).

The assignment graded is the one the autograder zip was built for (``build --assignment``
writes its name into the zip as ASSIGNMENT_FILE); without that file, the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from autograder.grade import grade_one, read_submission
from autograder.training_check import DEFAULT_PROFILE, PROFILES
from trotlab.grading.todos import ASSIGNMENTS, FIRST, add_assignment_option

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT_FILE = "assignment.txt"
"""At the zip's root (Gradescope's /autograder/source): the name of the assignment it grades."""


def built_for() -> str:
  """The assignment the zip was built for (its ASSIGNMENT_FILE), else the first."""
  path = ROOT / ASSIGNMENT_FILE
  return path.read_text().strip() if path.is_file() else FIRST.name


def results_from_report(report: dict) -> dict:
  """Gradescope's results.json (score, tests: name, score, max_score, output, visibility)."""
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
  if report["training"] is not None:
    for name, item in report["training"]["items"].items():
      tests.append(
        {
          "name": f"Training check: {name}",
          "score": item["score"],
          "max_score": item["max_score"],
          "output": item["output"] or report["training"]["output"],
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
  return {
    "score": report["score"],
    "output": "\n".join(summary),
    "tests": tests,
    "visibility": "visible",
    "stdout_visibility": "hidden",
  }


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("--submission", type=Path, required=True)
  parser.add_argument("--results", type=Path, required=True)
  parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES))
  parser.add_argument("--skip-training", action="store_true")
  add_assignment_option(parser)
  parser.set_defaults(assignment=built_for())
  args = parser.parse_args(argv)
  assignment = ASSIGNMENTS[args.assignment]
  sub = read_submission(args.submission, assignment.files)
  sub.student = "submission"
  try:
    report = grade_one(sub, args.profile, args.skip_training, assignment=assignment)
    results = results_from_report(report)
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
