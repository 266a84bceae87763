"""The Colab notebook's side of the kit: the student version and autograding (instructor tool).

The source notebook, notebooks/source/go1_velocity/go1_velocity.ipynb, is in nbgrader's format:
solution regions, autograded test cells with points (grade ids ``N<k>_<what>``) and written
answers graded by hand (grade ids ``W<k>``). autograder/public/rubric.toml, section [notebook],
gives the points per id; a test keeps the notebook's cell points equal to it.

  generate_student_notebooks(out)             nbgrader generate_assignment; `release` uses it
  autograde_notebook(submitted, workdir)      autograding of one submitted .ipynb

Both run nbgrader in a throw-away course folder, so the repository's notebooks/ never gets a
gradebook. Autograding does what ``nbgrader autograde`` does, except that the student's code
never runs in the grader's process: the grader restores the test cells (nbgrader's
preprocessors, as a library), trotlab.checks.notebook_child executes the notebook in the
sandbox (autograder/sandbox.py: its own user, limits), and the grader scores the executed
notebook's test cells. Command line (prints the scores as JSON):

  uv run python -m autograder.notebook SUBMITTED.ipynb [--workdir DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from autograder.sandbox import ChildResult, Limits, read_child_file, run_in_sandbox

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ASSIGNMENT = "go1_velocity"
NOTEBOOK = "go1_velocity"
"""The notebook's file name without .ipynb, in source/<ASSIGNMENT>/."""
SOURCE = NOTEBOOKS / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RUBRIC = ROOT / "autograder" / "public" / "rubric.toml"
STUDENT_ID = "student"
GRADE_ID_RE = re.compile(r"^(?P<id>[NW]\d+)(?:_|$)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
NBGRADER_TIMEOUT_S = 900
CELL_TIMEOUT_S = 120.0
"""A notebook cell running longer than this is stopped (TimeoutError: its tests fail)."""
INTERRUPT_GRACE_S = 10.0
"""After a cell's timeout the kernel is interrupted; not idle this much later, it is stopped."""
NOTEBOOK_WALL_S = 600.0
"""The whole execution of a submitted notebook (kernel start-up, imports, every cell)."""
MAX_MESSAGE = 500


def notebook_limits() -> Limits:
  """The sandbox's limits for executing a notebook: the kernel imports torch and MuJoCo and
  builds a small scene (well under the default 6 GiB of address space per process)."""
  return Limits(wall_s=NOTEBOOK_WALL_S, cpu_s=int(NOTEBOOK_WALL_S))


def notebook_rubric() -> dict[str, dict]:
  """The rubric's [notebook] section: {id: {"points", "title", "manual"?}}."""
  return tomllib.loads(RUBRIC.read_text())["notebook"]


def rubric_id(grade_id: str) -> str | None:
  """The rubric id a grade cell counts for: "N2_stiffness" -> "N2", "W1" -> "W1"."""
  match = GRADE_ID_RE.match(grade_id)
  return match.group("id") if match else None


def cell_points(notebook: Path = SOURCE) -> dict[str, float]:
  """Points per rubric id, summed over the notebook's grade cells (its nbgrader metadata)."""
  points: dict[str, float] = {}
  for cell in json.loads(notebook.read_text())["cells"]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade"):
      rid = rubric_id(meta["grade_id"])
      if rid is None:
        raise ValueError(f"grade cell {meta['grade_id']!r} does not start with a rubric id")
      points[rid] = points.get(rid, 0.0) + float(meta["points"])
  return points


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


def _cells_by_grade_id(notebook: Path) -> dict[str, dict]:
  try:
    cells = json.loads(notebook.read_text())["cells"]
  except (OSError, ValueError, KeyError, TypeError):
    return {}
  found = {}
  for cell in cells if isinstance(cells, list) else []:
    meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    if isinstance(grade_id, str) and grade_id:
      found[grade_id] = cell
  return found


def _source(cell: dict) -> str:
  text = cell.get("source", "")
  return "".join(text) if isinstance(text, list) else str(text)


def _error_of(cell: dict | None) -> str:
  """'Name: value' and the traceback's last lines of a cell's error output, or ''."""
  if cell is None:
    return (
      "cell missing from the submitted notebook (its nbgrader metadata is gone: submit the "
      "released notebook with your answers, not cells copied into a new one)"
    )
  for output in cell.get("outputs", []):
    if output.get("output_type") == "error":
      tail = [ANSI_RE.sub("", str(line)) for line in output.get("traceback", [])][-1:]
      head = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()[:MAX_MESSAGE]
      return head if not tail or tail[0].strip() == head else f"{head}\n{tail[0][:MAX_MESSAGE]}"
  return ""


def _stderr_of(cell: dict) -> str:
  """The cell's stderr output (nbgrader gives a test cell that writes to stderr no points)."""
  text = "".join(
    _source({"source": o.get("text", "")})
    for o in cell.get("outputs", [])
    if o.get("output_type") == "stream" and o.get("name") == "stderr"
  )
  return ANSI_RE.sub("", text).strip()[-MAX_MESSAGE:]


@dataclasses.dataclass(frozen=True)
class GradeCell:
  grade_id: str
  rubric_id: str
  points: float
  autograded: bool
  """A locked code cell of tests (N ids); else a written answer graded by hand (W ids)."""


def grade_cells(notebook: Path = SOURCE) -> list[GradeCell]:
  """The source notebook's grade cells, in order (trusted: the scores use these points)."""
  cells = []
  for cell in json.loads(notebook.read_text())["cells"]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade"):
      autograded = cell["cell_type"] == "code" and not meta.get("solution")
      rid = rubric_id(meta["grade_id"])
      cells.append(GradeCell(meta["grade_id"], rid, float(meta["points"]), autograded))
  return cells


def restore_cells(submitted: Path, course: Path):
  """The notebook to execute: ``submitted`` sanitized as nbgrader autograde does before it runs
  a notebook (trusted code, nothing of the student's is executed). Its outputs are cleared, a
  grade id used twice keeps only its last cell, the kernelspec is the source's, and every
  locked cell (the test cells, hidden tests included, and the read-only questions) gets its
  source back from the gradebook of ``course`` (made by _make_course), whatever the student
  changed in it; the points and cell types are the source's. Raises on metadata nbgrader cannot
  validate."""
  import nbformat
  from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
  )

  nb = nbformat.reads(submitted.read_text(), as_version=4)
  resources = {
    "nbgrader": {
      "notebook": NOTEBOOK,
      "assignment": ASSIGNMENT,
      "student": STUDENT_ID,
      "db_url": f"sqlite:///{course / 'gradebook.db'}",
    }
  }
  quiet = logging.getLogger(f"{__name__}.restore")  # "checksum changed": hidden tests restored
  quiet.setLevel(logging.ERROR)
  for step in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata):
    nb, resources = step(log=quiet).preprocess(nb, resources)
  return nb


def execute_in_sandbox(
  nb_json: str, workdir: Path, cell_timeout_s: float, limits: Limits
) -> tuple[dict | None, str]:
  """Run the notebook (JSON text) with trotlab.checks.notebook_child in the sandbox; return the
  executed notebook (parsed JSON, also written to workdir/executed.ipynb) or None and why."""
  with tempfile.TemporaryDirectory(prefix="trotlab-nb-run-") as tmp:
    Path(tmp).chmod(0o711)  # the sandbox user may pass through to its own job dir, not list
    job_dir = Path(tmp) / "job"
    for sub in ("in", "out", "work", "home"):
      (job_dir / sub).mkdir(parents=True)
    (job_dir / "in" / "notebook.ipynb").write_text(nb_json)
    job = {"cell_timeout_s": cell_timeout_s, "interrupt_grace_s": INTERRUPT_GRACE_S}
    (job_dir / "job.json").write_text(json.dumps(job))
    home = job_dir / "home"
    env = {
      "NBGRADER_EXECUTION": "autograde",  # what nbgrader sets: the notebook skips heavy cells
      "JUPYTER_PLATFORM_DIRS": "1",
      "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
      "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
      "JUPYTER_RUNTIME_DIR": str(home / ".local" / "share" / "jupyter" / "runtime"),
      "IPYTHONDIR": str(home / ".ipython"),
      "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
    }
    args = ["-m", "trotlab.checks.notebook_child", str(job_dir)]
    child: ChildResult = run_in_sandbox(args, job_dir, limits, extra_env=env)
    try:
      data = read_child_file(job_dir, "out", "executed.ipynb", max_bytes=limits.file_bytes)
      executed = json.loads(data)
      if not isinstance(executed, dict) or not isinstance(executed.get("cells"), list):
        raise ValueError("not a notebook")
    except (OSError, ValueError, RecursionError, MemoryError) as err:
      why = f"the notebook's execution {child.describe()}"
      if not child.timed_out and child.returncode in (0, None):
        why += f" but left no readable executed notebook ({err})"
      return None, f"{why}. Output tail:\n{child.output[-1500:]}"
  (Path(workdir) / "executed.ipynb").write_bytes(data)
  return executed, ""


def _judge(cell: dict | None, points: float = 0.0) -> tuple[float, str]:
  """(score, error) of an executed test cell worth ``points``, as nbgrader's determine_grade
  scores it: no error output and nothing on stderr, all the points (or the partial credit of a
  number it displays). The cell comes from the sandbox: anything malformed scores 0."""
  from nbformat import from_dict
  from nbgrader.utils import determine_grade

  if cell is None:
    return 0.0, "the executed notebook does not hold this cell as the grader wrote it"
  try:
    error = _error_of(cell)
    if not isinstance(cell.get("execution_count"), int):
      return 0.0, error or "the cell was not run"
    node = from_dict({"cell_type": "code", "outputs": cell.get("outputs", [])})
    node.metadata = from_dict({"nbgrader": {"grade": True, "solution": False, "points": points}})
    score = min(max(float(determine_grade(node)[0] or 0.0), 0.0), points)
    if score == 0.0 and not error:
      stderr = _stderr_of(cell)
      error = f"output on stderr: {stderr}" if stderr else "its output gave no points"
  except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
    return 0.0, f"unreadable output ({type(err).__name__})"
  return score, error


def autograde_notebook(
  submitted: Path,
  workdir: Path,
  cell_timeout_s: float = CELL_TIMEOUT_S,
  limits: Limits | None = None,
) -> dict[str, dict]:
  """Autograde one submitted notebook; return the scores per rubric id.

  Three steps, only the second running the student's code:
  1. (grader) ``nbgrader generate_assignment`` of the source notebook in a fresh course folder
     under ``workdir`` (created if needed, left for inspection), whose gradebook holds the test
     cells with their hidden tests; ``restore_cells`` sanitizes ``submitted`` (a .ipynb made from
     the student version) as nbgrader autograde does: outputs cleared, test cells and read-only
     cells restored from the source. Written to workdir/to_execute.ipynb.
  2. (sandbox) trotlab.checks.notebook_child runs it in a Jupyter kernel, as the sandbox user
     with its limits, with NBGRADER_EXECUTION set, which the notebook reads to skip its set-up,
     training and videos (about 20 s); a cell is stopped after ``cell_timeout_s`` and the whole
     run after ``limits.wall_s``. The executed notebook comes back as JSON
     (workdir/executed.ipynb).
  3. (grader) each autograded test cell of the source earns its points, as in nbgrader
     (nbgrader.utils.determine_grade), when its restored copy ran and has no error output (and
     nothing on stderr).

  Returns, for every id of the rubric's [notebook] section (N1, N2, N3, W1, W2, W3):
    {"score": float | None, "max_score": float, "output": str}
  N ids: the sum of the points of their test cells (partial credit per cell) and, in "output",
  one line per test cell ("N2_damping 0/2: AssertionError: ..."), after the error of the answer
  cell if it raised one. W ids are graded by hand: score None, "output" holds the student's
  answer. A submission that cannot be read, restored or run (the sandbox's time or memory
  limit) scores 0 on every N id, with the reason in "output"; this function does not raise for
  a bad submission.
  """
  limits = limits or notebook_limits()
  rubric = notebook_rubric()
  results: dict[str, dict] = {
    rid: {
      "score": None if item.get("manual") else 0.0,
      "max_score": float(item["points"]),
      "output": "",
    }
    for rid, item in rubric.items()
  }

  def fail(reason: str) -> dict[str, dict]:
    for item in results.values():
      if item["score"] is not None:
        item["output"] = reason
    return results

  submitted = Path(submitted)
  try:
    json.loads(submitted.read_text())
  except (OSError, ValueError) as err:
    return fail(f"the notebook could not be read: {err}")
  submitted_cells = _cells_by_grade_id(submitted)
  for rid, item in results.items():
    if item["score"] is None:
      answer = submitted_cells.get(rid)
      text = _source(answer).strip() if answer else ""
      if text in ("", "YOUR ANSWER HERE"):
        item["output"] = "graded by hand; no answer"
      else:
        item["output"] = f"graded by hand; the answer:\n{text}"

  workdir = Path(workdir)
  course = workdir / "course"
  if course.exists():
    shutil.rmtree(course)
  _make_course(course)
  import nbformat

  try:
    nb = restore_cells(submitted, course)
  except Exception as err:  # noqa: BLE001  (any malformed notebook costs its points, no more)
    return fail(f"the notebook could not be prepared for grading (nbgrader metadata?): {err}")
  restored = {  # grade id -> (index, source) of the restored cells
    cell.metadata.nbgrader["grade_id"]: (index, cell.source)
    for index, cell in enumerate(nb.cells)
    if cell.metadata.get("nbgrader", {}).get("grade_id")
  }
  nb_json = nbformat.writes(nb)
  (workdir / "to_execute.ipynb").write_text(nb_json)
  executed, why = execute_in_sandbox(nb_json, workdir, cell_timeout_s, limits)
  if executed is None:
    return fail(why)
  cells = executed["cells"]

  def ran_cell(grade_id: str) -> dict | None:
    """The executed copy of a restored cell (None: missing, or not the cell the grader wrote)."""
    if grade_id not in restored or len(cells) != len(nb.cells):
      return None
    index, source = restored[grade_id]
    cell = cells[index]
    if not isinstance(cell, dict) or _source(cell) != source:
      return None
    return cell

  graded = grade_cells()
  graded_ids = {g.grade_id for g in graded}
  lines: dict[str, list[str]] = {rid: [] for rid in results}
  for rid in results:  # the answer cells' errors first: why every test of the id fails
    if results[rid]["score"] is not None:
      for grade_id in sorted(restored):
        if rubric_id(grade_id) == rid and grade_id not in graded_ids:
          cell = ran_cell(grade_id)
          try:
            error = _error_of(cell) if cell is not None else ""
          except (TypeError, ValueError, AttributeError):
            error = "an unreadable error output"
          if error:
            lines[rid].append(f"{grade_id} raised {error}")
  for grade in sorted(graded, key=lambda g: g.grade_id):
    if not grade.autograded or results.get(grade.rubric_id, {}).get("score") is None:
      continue
    if grade.grade_id not in restored:
      score, error = 0.0, _error_of(None)
    else:
      cell = ran_cell(grade.grade_id)
      score, error = _judge(cell, grade.points)
    results[grade.rubric_id]["score"] += score
    verdict = f"{grade.grade_id} {score:g}/{grade.points:g}"
    lines[grade.rubric_id].append(verdict + (f": {error}" if error else ": passed"))
  for rid, item in results.items():
    if item["score"] is not None:
      item["output"] = "\n".join(lines[rid]) or "no test cell of this id was graded"
  return results


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    prog="autograder.notebook",
    description=__doc__,
    formatter_class=argparse.RawDescriptionHelpFormatter,
  )
  parser.add_argument("submitted", type=Path, help="the submitted .ipynb")
  parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
  args = parser.parse_args(argv)
  if args.workdir is not None:
    scores = autograde_notebook(args.submitted, args.workdir)
  else:
    with tempfile.TemporaryDirectory(prefix="trotlab-autograde-") as tmp:
      scores = autograde_notebook(args.submitted, Path(tmp))
  print(json.dumps(scores, indent=2))
  return 0


if __name__ == "__main__":
  sys.exit(main())
