"""uv run check [--mdp student|solutions|PATH] [--assignment flat|rough]

The public self-check: runs every TODO of one assignment (flat, the first, by default; rough,
the second: terrain.py) of your MDP files on the public canned states
(trotlab/grading/public_cases/) and judges the outputs by the grader's rules (shape, dtype,
inputs untouched, no mixing of envs, values) against the visible expected values. Prints a table
(TODO, status, what to look at) and exits 0 only when every TODO passes. The grader adds other,
hidden states: passing here is necessary, not sufficient.
"""

from __future__ import annotations

import argparse
import sys

from trotlab.grading.todos import ASSIGNMENTS, add_assignment_option

STATUS = {"pass": "pass", "fail": "FAIL", "TODO": "TODO", "error": "ERROR"}


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    prog="check", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument(
    "--mdp",
    default="student",
    help="student (default), a folder with the MDP files, or solutions (the instructor's copy only)",
  )
  add_assignment_option(parser)
  args = parser.parse_args(sys.argv[1:] if argv is None else argv)

  from trotlab.scripts.common import select_mdp

  mdp = select_mdp(["--mdp", args.mdp])
  from trotlab.checks.public import run_public_checks
  from trotlab.grading.case_files import PUBLIC_CASES_DIR

  if not any(PUBLIC_CASES_DIR.glob("*.npz")):
    print(f"error: no public cases in {PUBLIC_CASES_DIR}; they ship with the kit.", file=sys.stderr)
    return 2
  print(f"Public self-check of the MDP in {mdp.folder}")
  print(f"on the public cases in {PUBLIC_CASES_DIR}:\n")
  assignment = ASSIGNMENTS[args.assignment]
  print(f"Assignment {assignment.name!r} ({assignment.title}): TODOs {', '.join(assignment.ids)}\n")
  results = run_public_checks(mdp, assignment.name)
  print(f"{'TODO':<5} {'term':<42} {'status':<6} what to look at")
  for r in results:
    first, *rest = (r.detail if r.status != "pass" else "").split("\n")
    print(f"{r.todo:<5} {r.name:<42} {STATUS[r.status]:<6} {first}".rstrip())
    for line in rest:
      print(f"{'':<56}{line}")
  counts = {s: sum(r.status == s for r in results) for s in STATUS}
  print(
    f"\n{counts['pass']} passed, {counts['fail'] + counts['error']} failed, "
    f"{counts['TODO']} not implemented yet"
  )
  return 0 if counts["pass"] == len(results) else 1


if __name__ == "__main__":
  sys.exit(main())
