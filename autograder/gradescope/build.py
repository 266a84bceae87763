"""Build the Gradescope autograder zip (instructor tool).

  uv run python -m autograder.gradescope.build [OUT.zip] [--assignment flat|rough] [--timeout-min M]
                                              [--leaderboard]
                                              # default: gradescope_autograder.zip, flat, 10, off

The zip holds setup.sh and run_autograder at its root and the kit's source next to them:
pyproject.toml, uv.lock, README.md, student/ (the framework with the generated stubs),
autograder/ (grader, hidden and public cases, rubric) and notebooks/ (the nbgrader source, for
the notebook's tests). Left out: solutions/ (grading needs only the recorded cases), tests/,
docs/, logs and caches. Upload it as the assignment's autograder on Gradescope. A zip grades
one assignment: ``--assignment rough`` builds the second's (term checks of terrain.py only), for
a Gradescope assignment of its own. ``--timeout-min`` must be the Gradescope assignment's
autograder timeout (its settings page; Gradescope's default is 10): run_autograder budgets its
stages to write results.json before it. ``--leaderboard`` adds to results.json the training
check's worst phase errors (planar, yaw rate; lower ranks first) for Gradescope's leaderboard,
which the assignment's settings must switch on too. All go into the zip's settings.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from autograder.gradescope.run import DEFAULT_TIMEOUT_S, SETTINGS_FILE
from trotlab.grading.todos import ASSIGNMENTS, FIRST, Assignment, add_assignment_option

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
INCLUDE = ("pyproject.toml", "uv.lock", "README.md", "student", "autograder", "notebooks")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def files_to_ship() -> list[Path]:
  found = []
  for name in INCLUDE:
    path = ROOT / name
    if path.is_file():
      found.append(path)
    elif path.is_dir():
      found += [
        p
        for p in sorted(path.rglob("*"))
        if p.is_file() and not SKIP_PARTS & set(p.parts) and p.suffix != ".pyc"
      ]
  return found


def build(
  out: Path,
  assignment: Assignment = FIRST,
  timeout_s: float = DEFAULT_TIMEOUT_S,
  leaderboard: bool = False,
) -> Path:
  """Write the autograder zip of ``assignment`` for a Gradescope timeout of ``timeout_s``; with
  ``leaderboard``, results.json carries the training check's tracking errors for Gradescope's
  leaderboard."""
  out.parent.mkdir(parents=True, exist_ok=True)
  settings = {"assignment": assignment.name, "timeout_s": timeout_s, "leaderboard": leaderboard}
  with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(SETTINGS_FILE, json.dumps(settings) + "\n")
    for script in ("setup.sh", "run_autograder"):
      info = zipfile.ZipInfo(script)
      info.external_attr = 0o100755 << 16  # executable: Gradescope runs them directly
      info.compress_type = zipfile.ZIP_DEFLATED
      archive.writestr(info, (HERE / script).read_bytes())
    for path in files_to_ship():
      archive.write(path, path.relative_to(ROOT).as_posix())
  return out


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("out", type=Path, nargs="?", default=Path("gradescope_autograder.zip"))
  parser.add_argument(
    "--timeout-min",
    type=float,
    default=DEFAULT_TIMEOUT_S / 60,
    help="the Gradescope assignment's autograder timeout in minutes (default 10, at most 40)",
  )
  parser.add_argument(
    "--leaderboard",
    action="store_true",
    help="results.json carries the training check's worst planar and yaw-rate errors for"
    " Gradescope's leaderboard (switch it on in the assignment's settings too)",
  )
  add_assignment_option(parser)
  args = parser.parse_args(argv)
  if not 1 <= args.timeout_min <= 40:
    parser.error("--timeout-min: Gradescope allows 1 to 40 minutes")
  assignment = ASSIGNMENTS[args.assignment]
  path = build(args.out, assignment, args.timeout_min * 60, args.leaderboard)
  with zipfile.ZipFile(path) as archive:
    count = len(archive.namelist())
  print(
    f"wrote {path} ({count} files, {path.stat().st_size // 1024} KiB): upload it on Gradescope"
    f" as the autograder of {assignment.title!r} ({assignment.name}), and set the assignment's"
    f" autograder timeout to {args.timeout_min:g} min"
  )
  return 0


if __name__ == "__main__":
  sys.exit(main())
