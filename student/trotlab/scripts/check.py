"""uv run check [--mdp student|solutions|PATH]

The public self-check: runs every TODO of your MDP files on small canned states and compares
with the visible expected values in autograder/public/cases.json. Prints a table (TODO, status,
what to look at) and exits 0 only when every TODO passes. The grader uses other, hidden states:
passing here is necessary, not sufficient.
"""

from __future__ import annotations

import argparse
import sys

STATUS = {"pass": "pass", "fail": "FAIL", "TODO": "TODO", "error": "ERROR"}


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    prog="check", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument(
    "--mdp", default="student", help="student (default), solutions, or a folder with the five files"
  )
  args = parser.parse_args(sys.argv[1:] if argv is None else argv)

  from trotlab.scripts.common import select_mdp

  mdp = select_mdp(["--mdp", args.mdp])
  from trotlab.checks.public import CASES_FILE, run_public_checks

  if not CASES_FILE.is_file():
    print(f"error: {CASES_FILE} is missing; the public cases ship with the kit.", file=sys.stderr)
    return 2
  print(f"Public self-check of the MDP from '{args.mdp}' ({CASES_FILE.parent}):\n")
  results = run_public_checks(mdp)
  print(f"{'TODO':<5} {'term':<42} {'status':<6} what to look at")
  for r in results:
    hint = r.detail if r.status != "pass" else ""
    print(f"{r.todo:<5} {r.name:<42} {STATUS[r.status]:<6} {hint}")
  counts = {s: sum(r.status == s for r in results) for s in STATUS}
  print(
    f"\n{counts['pass']} passed, {counts['fail'] + counts['error'] + counts['TODO']} failed ({counts['TODO']} not implemented)"
  )
  return 0 if counts["pass"] == len(results) else 1


if __name__ == "__main__":
  sys.exit(main())
