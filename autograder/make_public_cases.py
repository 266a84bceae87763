"""Write autograder/public/cases.json: the reference's outputs on the public canned states.

  uv run python -m autograder.make_public_cases

Run it after changing a solution or the canned recipe (trotlab/checks/canned.py); a test checks
that the reference reproduces the file exactly.
"""

from __future__ import annotations

import json

from trotlab.checks.public import ALL_TODOS, CASES_FILE, compute_outputs
from trotlab.tasks.velocity.mdp import load_mdp


def main() -> None:
  mdp = load_mdp("solutions")
  cases = {todo: compute_outputs(todo, mdp) for todo in ALL_TODOS if todo != "C1"}
  cases["C1"] = (
    "checked by rules: ranges, uniformity, fractions, untouched envs (see trotlab/checks/public.py)"
  )
  CASES_FILE.parent.mkdir(parents=True, exist_ok=True)
  CASES_FILE.write_text(json.dumps(cases, indent=None, separators=(",", ":")) + "\n")
  print(f"wrote {CASES_FILE} ({CASES_FILE.stat().st_size // 1024} KiB, {len(cases)} TODOs)")


if __name__ == "__main__":
  main()
