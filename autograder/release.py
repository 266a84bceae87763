"""Write the student distribution (instructor tool).

  uv run release OUT/ --kit-url URL [--force]

URL is the git address students clone the release from on Colab (the notebook's KIT_URL);
without it, release refuses (the notebook would clone a placeholder).

OUT/ gets: pyproject.toml (without instructor entry points), uv.lock, student/ (the generated
stubs, the framework and, as package data, the public cases: trotlab/grading/public_cases/),
autograder/public/ (the rubric),
handouts/, notebooks/ (the student version of the Colab notebook, generated from
notebooks/source/ by nbgrader generate_assignment) and a student README. Left out: solutions/,
autograder/ apart from public/ (hidden cases, grader, instructor tools), bench/, tests/, docs/, logs.
Before finishing, every file written is scanned for lines of the solution regions, hidden paths
and case files other than the public ones; a hit aborts.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np

from autograder import make_student, nbgrader_course, notebook
from trotlab.grading.case_files import PUBLIC_CASES_DIR

ROOT = Path(__file__).resolve().parents[1]
COPY = ("student", "autograder/public", "handouts", "uv.lock", ".gitignore")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")
INSTRUCTOR_SCRIPTS = ("release", "make-student")

STUDENT_README = """# trotlab: teach a Unitree Go1 to walk

You implement the MDP of a velocity-tracking task (rewards, observations, terminations, the
velocity command, curricula) in `student/trotlab/tasks/velocity/mdp/`. Every place to fill in
raises `TodoNotImplemented("<id>")`; its docstring gives the math, the frames and the shapes,
and the handout (`handouts/`) explains each id. The notebook `notebooks/go1_velocity.ipynb` adds
robot-modelling exercises (N1-N3) and written questions (W1-W3).

## Set-up

Local (Linux or macOS, Python 3.11+): install [uv](https://docs.astral.sh/uv/) (`pip install uv`),
then in this folder:

    uv run check                                   # which TODOs pass (creates .venv on first use)
    uv run train Mjlab-Velocity-Flat-Unitree-Go1   # train your MDP (CPU if there is no GPU)

Colab: open the notebook in `notebooks/` and follow it.

## Commands

    uv run check                                   # public self-check: a table of TODOs
    uv run train Mjlab-Velocity-Flat-Unitree-Go1   # refuses until every TODO is filled in
    uv run play Mjlab-Velocity-Flat-Unitree-Go1 --checkpoint-file logs/rsl_rl/go1_velocity/<run>/model_<it>.pt --video True
    uv run evaluate Mjlab-Velocity-Flat-Unitree-Go1 --checkpoint-file logs/rsl_rl/go1_velocity/<run>/model_<it>.pt
    uv run train Mjlab-Velocity-Flat-Unitree-Go1 --help   # its options (--help-all: every config field)
    uv run submit --notebook notebooks/go1_velocity.ipynb  # self-check, then submission.zip to hand in

`evaluate` writes `tracking.png` and `metrics.json`: your robot follows forward, sideways, turning
and mixed commands; the grader runs the same protocol after a short training of your MDP.

## What to submit

    uv run submit --notebook notebooks/go1_velocity.ipynb

runs the public self-check and says what fails, then writes `submission.zip` (anyway: partial
work earns partial credit) and lists each file it packed with its size. The zip holds exactly
what the grader reads:

1. The five files of `student/trotlab/tasks/velocity/mdp/`: `rewards.py`, `observations.py`,
   `terminations.py`, `velocity_command.py`, `curriculums.py`. Do not change function names or
   signatures.
2. The notebook `notebooks/go1_velocity.ipynb` with your answers: the code of N1-N3 (its test
   cells are autograded, with hidden cases added: running the notebook checks only the visible
   ones) and the written answers W1-W3 (graded by hand). Submit the notebook you were given,
   answered (its graded cells carry the grader's ids); do not edit its test cells (the grader
   restores them anyway).

Hand the zip in where your course says: its Gradescope assignment, or the folder your instructor
names. The tracking plot, videos and `metrics.json` are not graded files and are not in the zip.
The handout's section 9 has the details (Colab included).

Both are graded: the MDP by term checks and a short training of your MDP, the notebook as above.
The points are in `student/trotlab/grading/todos.py` (the TODOs) and
`autograder/public/rubric.toml` (training, notebook), which the grader reads, and in
`handouts/assignment.md` (section 8, the rubric and how the autograder scores). The second
assignment, the rough task's `terrain.py`, has its own handout, `handouts/assignment2.md`.
"""


def student_pyproject(text: str) -> str:
  """The instructor pyproject without instructor entry points and packages (autograder and
  solutions, the reference MDP)."""
  lines = [
    line
    for line in text.splitlines()
    if not any(re.match(rf"^{name}\s*=", line) for name in INSTRUCTOR_SCRIPTS)
  ]
  out = "\n".join(lines) + "\n"
  for instructor, student in STUDENT_PYPROJECT_LINES.items():
    if instructor not in out:
      raise ValueError(f"pyproject.toml has no line {instructor!r}: update student_pyproject")
    out = out.replace(instructor, student)
  return out


STUDENT_PYPROJECT_LINES = {
  'packages = ["student/trotlab", "autograder", "solutions", "bench"]': (
    'packages = ["student/trotlab"]'
  ),
  'known-first-party = ["trotlab", "bench"]': 'known-first-party = ["trotlab"]',
  # the kit has no tests folder
  'testpaths = ["tests"]\n': "",
  # a student's own processes cache bytecode as they import; with the setting on, uv checks the
  # whole environment's bytecode (15k files) at every `uv run`
  "compile-bytecode = true\n": "",
  "# Installed packages are compiled to .pyc at install: sandboxed grading children (and any\n": "",
  "# process where PYTHONDONTWRITEBYTECODE is set) cannot cache bytecode, and compiling torch and\n": "",
  "# its dependencies from source at every start costs 10-20 s of each process. uv then checks the\n": "",
  "# whole environment's bytecode at every `uv run` (2-3 s idle); the student kit leaves it off.\n": "",
}
"""Lines of the instructor pyproject -> what the student's pyproject has instead."""


def solution_lines() -> set[str]:
  """Lines inside solution regions that appear nowhere else in the instructor repo's framework
  (a line such as ``data = env.scene[...].data`` that framework code also has reveals nothing)."""
  lines: set[str] = set()
  for name in make_student.FILES:
    inside = False
    for line in (make_student.SOLUTIONS / f"{name}.py").read_text().splitlines():
      stripped = line.strip()
      if stripped in (make_student.BEGIN, make_student.END):
        inside = stripped == make_student.BEGIN
        continue
      if inside and len(stripped) >= 12 and not stripped.startswith("#"):
        lines.add(stripped)
  framework = "\n".join(
    p.read_text()
    for p in (ROOT / "student" / "trotlab").rglob("*.py")
    if "tasks/velocity/mdp" not in p.as_posix()
  )
  framework_lines = {line.strip() for line in framework.splitlines()}
  return {line for line in lines if line not in framework_lines}


def _public_case(path: Path) -> bool:
  """A public case file: in the public cases' folder, named and marked public."""
  if path.parent.name != PUBLIC_CASES_DIR.name or not path.name.startswith("public_"):
    return False
  try:
    with np.load(path, allow_pickle=False) as archive:
      return json.loads(str(archive["meta"])).get("public") is True
  except (OSError, ValueError, KeyError):
    return False


def leaks(out: Path) -> list[str]:
  """'file: line' for every solution line found in the written tree, and hidden files."""
  secret = solution_lines()
  found = []
  for path in out.rglob("*"):
    rel = path.relative_to(out).as_posix()
    if rel.startswith((".venv/", "logs/")):
      continue
    if any(part in ("solutions", "hidden") for part in path.relative_to(out).parts):
      found.append(f"{rel}: hidden path")
      continue
    if path.suffix == ".npz" and not _public_case(path):
      found.append(f"{rel}: a case file that is not a public case")
      continue
    if path.is_file():
      try:
        text = path.read_text()
      except UnicodeDecodeError:
        continue
      for line in text.splitlines():
        if line.strip() in secret:
          found.append(f"{rel}: {line.strip()}")
  return found


PLACEHOLDER_KIT_URL = "https://github.com/your-course/trotlab-student.git"
"""The student notebook's default KIT_URL (where Colab clones the kit from) until --kit-url."""


def set_kit_url(notebooks: Path, kit_url: str) -> None:
  """Write the course's address of the student release into the student notebooks."""
  for path in notebooks.glob("*.ipynb"):
    text = path.read_text()
    if PLACEHOLDER_KIT_URL in text:
      path.write_text(text.replace(PLACEHOLDER_KIT_URL, kit_url))


def check_kit_url(kit_url: str | None) -> str:
  """The kit URL, or exit with the one-line error that says how to give it."""
  if not kit_url or kit_url.strip() == PLACEHOLDER_KIT_URL:
    raise SystemExit(
      "error: pass --kit-url URL, the git address students clone this release from on Colab "
      "(without it the notebook clones a placeholder)."
    )
  return kit_url.strip()


def build_release(out: Path, force: bool = False, kit_url: str | None = None) -> Path:
  """Write the release to ``out``; ``kit_url`` is required (``check_kit_url``)."""
  kit_url = check_kit_url(kit_url)  # before anything is written or removed
  if out.exists() and any(out.iterdir()):
    if not force:
      raise SystemExit(f"error: {out} is not empty; choose another folder or pass --force.")
    shutil.rmtree(out)
  stale = [p for p, text in make_student.generate().items() if p.read_text() != text]
  if stale:
    raise SystemExit(
      f"error: stale stubs {stale}; run uv run python -m autograder.make_student first."
    )
  out.mkdir(parents=True, exist_ok=True)
  for rel in COPY:
    src = ROOT / rel
    if src.is_dir():
      shutil.copytree(src, out / rel, ignore=IGNORE)
    elif src.is_file():
      (out / rel).parent.mkdir(parents=True, exist_ok=True)
      shutil.copy2(src, out / rel)
  if notebook.SOURCE.is_file():  # the student version, made by nbgrader generate_assignment
    nbgrader_course.generate_student_notebooks(out / "notebooks")
    set_kit_url(out / "notebooks", kit_url)
  (out / "pyproject.toml").write_text(student_pyproject((ROOT / "pyproject.toml").read_text()))
  (out / "README.md").write_text(STUDENT_README)
  found = leaks(out)
  if found:
    shutil.rmtree(out)
    raise SystemExit("error: the release would reveal solutions:\n  " + "\n  ".join(found[:20]))
  print(f"wrote the student release to {out}")
  return out


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    prog="release", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("out", type=Path)
  parser.add_argument("--force", action="store_true", help="replace a non-empty OUT")
  parser.add_argument(
    "--kit-url",
    default=None,
    help="required: the git address students clone this release from (the notebook's KIT_URL "
    "on Colab)",
  )
  args = parser.parse_args(sys.argv[1:] if argv is None else argv)
  build_release(args.out, args.force, args.kit_url)
  return 0


if __name__ == "__main__":
  sys.exit(main())
