"""The student version of the notebook, written by nbgrader's generate_assignment (instructor
tool, used by ``release``): solutions and hidden tests removed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.notebook import ASSIGNMENT, NOTEBOOKS, SOURCE

NBGRADER_TIMEOUT_S = 900


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
  """Run an nbgrader command in the course folder ``course`` (its own config, its own db)."""
  env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")}
  return subprocess.run(
    [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
    cwd=course,
    env=env,
    capture_output=True,
    text=True,
    timeout=NBGRADER_TIMEOUT_S,
  )


def _make_course(course: Path) -> Path:
  """A fresh nbgrader course folder holding the source notebook; generate_assignment run in it
  (which also records the grade cells, with their points and hidden tests, in its gradebook)."""
  course.mkdir(parents=True, exist_ok=True)
  shutil.copy2(NOTEBOOKS / "nbgrader_config.py", course / "nbgrader_config.py")
  source = course / "source" / ASSIGNMENT
  if source.exists():
    shutil.rmtree(source)
  shutil.copytree(SOURCE.parent, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
  result = _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
  if result.returncode != 0:
    raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}{result.stderr}")
  return course


def generate_student_notebooks(out: Path) -> list[Path]:
  """Write the student version of the notebook(s) (solutions and hidden tests removed) to
  ``out``; return the files written."""
  out.mkdir(parents=True, exist_ok=True)
  with tempfile.TemporaryDirectory(prefix="trotlab-nbgrader-") as tmp:
    course = _make_course(Path(tmp) / "course")
    written = []
    for path in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
      shutil.copy2(path, out / path.name)
      written.append(out / path.name)
  if not written:
    raise RuntimeError("nbgrader generate_assignment wrote no notebook")
  return written
