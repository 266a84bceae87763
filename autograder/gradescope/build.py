"""Build the Gradescope autograder zip (instructor tool).

  uv run python -m autograder.gradescope.build [OUT.zip] [--assignment flat|rough]
                                              # default: gradescope_autograder.zip, flat

The zip holds setup.sh and run_autograder at its root and the kit's source next to them:
pyproject.toml, uv.lock, README.md, student/ (the framework with the generated stubs),
autograder/ (grader, hidden and public cases, rubric) and notebooks/ (the nbgrader source, for
the notebook's tests). Left out: solutions/ (grading needs only the recorded cases), tests/,
docs/, logs and caches. Upload it as the assignment's autograder on Gradescope. A zip grades
one assignment: ``--assignment rough`` builds the second's (its name in the zip's
``assignment.txt``; term checks of terrain.py only), for a Gradescope assignment of its own.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

from autograder.gradescope.run import ASSIGNMENT_FILE
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


def build(out: Path, assignment: Assignment = FIRST) -> Path:
  out.parent.mkdir(parents=True, exist_ok=True)
  with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr(ASSIGNMENT_FILE, assignment.name + "\n")
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
  add_assignment_option(parser)
  args = parser.parse_args(argv)
  assignment = ASSIGNMENTS[args.assignment]
  path = build(args.out, assignment)
  with zipfile.ZipFile(path) as archive:
    count = len(archive.namelist())
  print(
    f"wrote {path} ({count} files, {path.stat().st_size // 1024} KiB): upload it on Gradescope"
    f" as the autograder of {assignment.title!r} ({assignment.name})"
  )
  return 0


if __name__ == "__main__":
  sys.exit(main())
