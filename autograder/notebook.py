"""The Colab notebook's side of the kit: the student version and autograding (instructor tool).

The source notebook, notebooks/source/go1_velocity/go1_velocity.ipynb, is in nbgrader's format:
solution regions, autograded test cells with points (grade ids ``N<k>_<what>``) and written
answers graded by hand (grade ids ``W<k>``). autograder/public/rubric.toml, section [notebook],
gives the points per id; a test keeps the notebook's cell points equal to it.

  generate_student_notebooks(out)             nbgrader generate_assignment; `release` uses it
  autograde_notebook(submitted, workdir)      autograding of one submitted .ipynb

generate_student_notebooks runs nbgrader in a throw-away course folder, so the repository's
notebooks/ never gets a gradebook. Autograding keeps nbgrader's cells and points (a test cell
earns its points when it runs without an error) but never runs the student's code in the same
process as a test, and never in a Jupyter kernel: the student's answer cells run in one
sandboxed process that returns the results of the calls the tests make, as data; the source's
test cells (hidden tests included) run in another, against those results (see
``autograde_notebook``). Command line (prints the scores as JSON):

  uv run python -m autograder.notebook SUBMITTED.ipynb [--workdir DIR]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import json
import re
import sys
import tempfile
import tomllib
from pathlib import Path

from autograder.sandbox import Limits, read_child_file, run_in_sandbox
from trotlab.grading.notebook_calls import MAX_MESSAGE

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ASSIGNMENT = "go1_velocity"
NOTEBOOK = "go1_velocity"
"""The notebook's file name without .ipynb, in source/<ASSIGNMENT>/."""
SOURCE = NOTEBOOKS / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
RUBRIC = ROOT / "autograder" / "public" / "rubric.toml"
STUDENT_ID = "student"
GRADE_ID_RE = re.compile(r"^(?P<id>[NW]\d+)(?:_|$)")
SETUP_TAG = "answer-setup"
"""The tag of the source's code cells that the answers and the tests run after (constants,
imports): the grader's copy of them, never the student's."""
CELL_TIMEOUT_S = 30.0
"""An answer cell, or one call of an answer function, running longer than this is stopped
(TimeoutError: the tests that need it fail)."""
CHILD_WALL_S = 300.0
"""Each of the two processes as a whole (start-up, imports, every cell and call)."""
MAX_RESULTS_BYTES = 4 * 2**20
"""The largest answers.json / tests.json the grader reads."""


def notebook_limits() -> Limits:
  """The sandbox's limits for each of the two processes; they import torch and go1_constants
  (well under the default 6 GiB of address space per process)."""
  return Limits(wall_s=CHILD_WALL_S, cpu_s=int(CHILD_WALL_S), file_bytes=MAX_RESULTS_BYTES)


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


def _cells_by_grade_id(notebook: Path) -> dict[str, dict]:
  """The code and markdown cells of a notebook (untrusted JSON) by nbgrader grade id; a grade
  id used twice keeps its last cell (as nbgrader's DeduplicateIds does)."""
  try:
    cells = json.loads(notebook.read_text())["cells"]
  except (OSError, ValueError, KeyError, TypeError, RecursionError):
    return {}
  found = {}
  for cell in cells if isinstance(cells, list) else []:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    if isinstance(grade_id, str) and grade_id:
      found[grade_id] = cell
  return found


def _source(cell: dict) -> str:
  text = cell.get("source", "")
  return "".join(map(str, text)) if isinstance(text, list) else str(text)


@dataclasses.dataclass(frozen=True)
class GradeCell:
  """One grade cell of the source notebook: its grade id, rubric id and points."""

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


@dataclasses.dataclass(frozen=True)
class SourceParts:
  """What grading takes from the source notebook (trusted)."""

  setup: str
  """The cells tagged SETUP_TAG, joined."""
  answers: list[dict]
  """The reference's answer cells (code cells with an nbgrader solution region and no points):
  [{"grade_id", "source"}], in order."""
  functions: list[str]
  """The functions the answer cells define (their top-level ``def`` names)."""
  tests: list[dict]
  """The autograded test cells, hidden tests included: [{"grade_id", "source"}], in order."""


def source_parts(notebook: Path = SOURCE) -> SourceParts:
  """Split the source notebook's code cells into the setup (tagged SETUP_TAG), the reference's
  answer cells and the functions they define, and the graded test cells."""
  setup, answers, functions, tests = [], [], [], []
  for cell in json.loads(notebook.read_text())["cells"]:
    if cell["cell_type"] != "code":
      continue
    meta = cell.get("metadata", {})
    grading = meta.get("nbgrader", {})
    source = _source(cell)
    if SETUP_TAG in meta.get("tags", []):
      setup.append(source)
    elif grading.get("solution") and not grading.get("grade"):
      answers.append({"grade_id": grading["grade_id"], "source": source})
      tree = ast.parse(source)
      functions += [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    elif grading.get("grade"):
      tests.append({"grade_id": grading["grade_id"], "source": source})
  return SourceParts("\n\n".join(setup), answers, functions, tests)


def run_child(module: str, job: dict, out_name: str, limits: Limits) -> tuple[dict | None, str]:
  """``python -I -m module JOB_DIR`` in the sandbox with ``job`` as JOB_DIR/job.json; its
  out/``out_name`` as a JSON object (read without following links, bounded), or None and why."""
  with tempfile.TemporaryDirectory(prefix="trotlab-nb-") as tmp:
    Path(tmp).chmod(0o711)  # the sandbox user may pass through to its own job dir, not list
    job_dir = Path(tmp) / "job"
    (job_dir / "out").mkdir(parents=True)
    (job_dir / "job.json").write_text(json.dumps(job))
    child = run_in_sandbox(["-m", module, str(job_dir)], job_dir, limits)
    try:
      data = read_child_file(job_dir, "out", out_name, max_bytes=MAX_RESULTS_BYTES)
      parsed = json.loads(data)
      if not isinstance(parsed, dict):
        raise ValueError("not a JSON object")
    except (OSError, ValueError, RecursionError, MemoryError) as err:
      why = f"{module} {child.describe()}"
      if not child.timed_out and child.returncode in (0, None):
        why += f" but left no readable {out_name} ({type(err).__name__})"
      return None, f"{why}. Output tail:\n{child.output[-1500:]}"
  return parsed, ""


@functools.cache
def recorded_calls() -> tuple[dict, ...]:
  """The calls of the answer functions that the source's test cells make, recorded with the
  reference's answers (trusted code; once per grader process). Raises RuntimeError when the
  reference fails a test: the kit itself is broken."""
  parts = source_parts()
  job = {
    "mode": "record",
    "setup": parts.setup,
    "functions": parts.functions,
    "answers": parts.answers,
    "tests": parts.tests,
  }
  out, why = run_child("trotlab.grading.notebook_tests", job, "calls.json", notebook_limits())
  if out is None:
    raise RuntimeError(f"recording the notebook's test calls failed: {why}")
  failed = {gid: v["error"] for gid, v in out["tests"].items() if not v["passed"]}
  if failed:
    raise RuntimeError(f"the source notebook's answers fail its own tests: {failed}")
  return tuple(out["calls"])


def _checked_answers(answers: dict) -> tuple[dict[str, str], dict[str, dict]]:
  """(cell_errors, results) of an answers.json from the sandbox, with bounded messages; raises
  ValueError on anything else."""
  errors, results = answers.get("cell_errors"), answers.get("results")
  if not isinstance(errors, dict) or not isinstance(results, dict):
    raise ValueError("answers.json lacks cell_errors or results")
  cell_errors = {str(k)[:100]: str(v)[:MAX_MESSAGE] for k, v in errors.items()}
  checked = {}
  for key, result in results.items():
    if isinstance(result, dict) and isinstance(result.get("error"), str):
      checked[str(key)] = {"error": result["error"][:MAX_MESSAGE]}
    elif isinstance(result, dict) and "value" in result:
      checked[str(key)] = {"value": result["value"]}
    else:
      raise ValueError("answers.json holds a result that is neither a value nor an error")
  return cell_errors, checked


def autograde_notebook(
  submitted: Path,
  workdir: Path,
  cell_timeout_s: float = CELL_TIMEOUT_S,
  limits: Limits | None = None,
) -> dict[str, dict]:
  """Autograde one submitted notebook; return the scores per rubric id.

  Three processes, the student's code in one of them only, and no Jupyter kernel:
  1. (sandbox, the grader's code; once per grader process) the source notebook's test cells
     run against the reference's answers and record which calls of the answer functions they
     make (``recorded_calls``).
  2. (sandbox, the student's code) trotlab.grading.notebook_answers runs the setup cells (the
     source's), then the student's answer cells (read from ``submitted`` by grade id, nothing
     else of it), each stopped after ``cell_timeout_s``, then makes the recorded calls; their
     results come back as data (answers.json, checked and bounded here).
  3. (sandbox, the grader's code) trotlab.grading.notebook_tests runs the source's test cells,
     hidden tests included, with the answer functions replaced by those results; a test cell
     earns its points when it runs without an error, as in nbgrader.
  An answer cell can therefore neither change a test's outcome (no shared interpreter, no
  IPython hooks) nor read a test; the feedback quotes errors, never test source. workdir gets
  answers.json and tests.json, for inspection.

  Returns, for every id of the rubric's [notebook] section (N1, N2, N3, W1, W2, W3):
    {"score": float | None, "max_score": float, "output": str}
  N ids: the sum of the points of their passing test cells and, in "output", one line per test
  cell ("N2_damping 0/2: AssertionError: ..."), after the error of the answer cell if it raised
  one. W ids are graded by hand: score None, "output" holds the student's answer. A submission
  that cannot be read or run (the sandbox's time or memory limit) scores 0 on every N id, with
  the reason in "output"; this function does not raise for a bad submission.
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
    """Put ``reason`` in the output of every autograded id (their scores still 0) and return
    the results."""
    for item in results.values():
      if item["score"] is not None:
        item["output"] = reason
    return results

  submitted = Path(submitted)
  try:
    json.loads(submitted.read_text())
  except (OSError, ValueError, RecursionError) as err:
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

  parts = source_parts()
  lines: dict[str, list[str]] = {rid: [] for rid in results}
  answers = []
  for cell in parts.answers:
    theirs = submitted_cells.get(cell["grade_id"])
    if theirs is None or theirs.get("cell_type") != "code":
      lines[rubric_id(cell["grade_id"])].append(
        f"{cell['grade_id']} is missing from the submitted notebook (its nbgrader metadata is "
        "gone: submit the released notebook with your answers, not cells copied into a new one)"
      )
      continue
    answers.append({"grade_id": cell["grade_id"], "source": _source(theirs)})
  job = {
    "setup": parts.setup,
    "answers": answers,
    "calls": list(recorded_calls()),
    "timeout_s": cell_timeout_s,
  }
  workdir = Path(workdir)
  workdir.mkdir(parents=True, exist_ok=True)
  ran, why = run_child("trotlab.grading.notebook_answers", job, "answers.json", limits)
  if ran is None:
    return fail(f"running your answers: {why}")
  try:
    cell_errors, answered = _checked_answers(ran)
  except ValueError as err:
    return fail(f"running your answers: {err}")
  (workdir / "answers.json").write_text(json.dumps(answered))
  for grade_id, error in sorted(cell_errors.items()):
    if rubric_id(grade_id) in lines:
      lines[rubric_id(grade_id)].append(f"{grade_id} raised {error}")

  job = {
    "mode": "replay",
    "setup": parts.setup,
    "functions": parts.functions,
    "results": answered,
    "tests": parts.tests,
  }
  verdicts, why = run_child("trotlab.grading.notebook_tests", job, "tests.json", limits)
  if verdicts is None:
    return fail(f"running the tests: {why}")
  (workdir / "tests.json").write_text(json.dumps(verdicts))
  for grade in grade_cells():
    if not grade.autograded or results.get(grade.rubric_id, {}).get("score") is None:
      continue
    verdict = verdicts.get(grade.grade_id)
    passed = isinstance(verdict, dict) and verdict.get("passed") is True
    score = grade.points if passed else 0.0
    error = "" if passed else str(verdict.get("error", "not run"))[:MAX_MESSAGE]
    results[grade.rubric_id]["score"] += score
    verdict_line = f"{grade.grade_id} {score:g}/{grade.points:g}"
    lines[grade.rubric_id].append(verdict_line + (f": {error}" if error else ": passed"))
  for rid, item in results.items():
    if item["score"] is not None:
      item["output"] = "\n".join(lines[rid]) or "no test cell of this id was graded"
  return results


def main(argv: list[str] | None = None) -> int:
  """Command line: autograde one submitted notebook and print the scores as JSON; returns 0."""
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
