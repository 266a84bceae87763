"""The Colab notebook (notebooks/source/, nbgrader format): its grade cells carry the rubric's
points; the student version made by nbgrader generate_assignment hides the solutions and, once
answered, runs top to bottom in smoke mode on the CPU with the reference MDP in under 5 minutes;
autograding (the answer cells in one sandboxed process, the source's tests in another) gives
full marks to the solutions, 0 to the untouched student version, and partial credit per test
cell; the student's code cannot read the source notebook, a cell that hangs is stopped, and an
answer cell can neither pass a test it fails (IPython hooks, patched modules) nor read one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import nbgrader_course, notebook
from trotlab.grading.todos import TODOS

SMOKE_LIMIT_S = 300
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def student_notebook(tmp_path_factory) -> Path:
  [path] = nbgrader_course.generate_student_notebooks(tmp_path_factory.mktemp("student"))
  return path


def nbgrader_meta(cell) -> dict:
  return cell.get("metadata", {}).get("nbgrader", {})


def answered(student: Path, dest: Path, answers: dict[str, str] | None = None) -> Path:
  """The student notebook with its answer cells filled: from the source's solutions, or with
  ``answers`` (grade_id -> source) for the cells it names."""
  solutions = {
    nbgrader_meta(c).get("grade_id"): c["source"]
    for c in nbformat.read(notebook.SOURCE, as_version=4).cells
  }
  nb = nbformat.read(student, as_version=4)
  for cell in nb.cells:
    meta = nbgrader_meta(cell)
    if meta.get("solution"):
      cell.source = (answers or {}).get(meta["grade_id"], solutions[meta["grade_id"]])
  nbformat.write(nb, dest)
  return dest


def test_grade_cells_carry_the_rubric_points():
  rubric = notebook.notebook_rubric()
  assert notebook.cell_points() == {rid: float(item["points"]) for rid, item in rubric.items()}
  cells = nbformat.read(notebook.SOURCE, as_version=4).cells
  for cell in cells:
    meta = nbgrader_meta(cell)
    if not meta.get("grade"):
      continue
    manual = rubric[notebook.rubric_id(meta["grade_id"])].get("manual", False)
    # N ids: locked code test cells (autograded); W ids: markdown answers graded by hand.
    assert cell.cell_type == ("markdown" if manual else "code"), meta["grade_id"]
    assert meta.get("solution", False) == manual and meta.get("locked", False) != manual


def test_student_version_hides_solutions_and_hidden_tests(student_notebook):
  text = student_notebook.read_text()
  assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
  assert "gear_ratio**2" not in text and "2.0 * damping_ratio" not in text
  assert "Only the actor runs on the robot" not in text, "a model answer of W2"
  regions = notebook.SOURCE.read_text().count("### BEGIN SOLUTION")
  assert regions == 5 and text.count("raise NotImplementedError()") == regions
  assert text.count("YOUR ANSWER HERE") == 3


def test_release_notebook_runs_in_smoke_mode(student_notebook, tmp_path, monkeypatch):
  monkeypatch.setenv("TROTLAB_SMOKE", "1")
  monkeypatch.setenv("TROTLAB_MDP", "solutions")
  monkeypatch.setenv("TROTLAB_LOG_ROOT", str(tmp_path / "logs" / "rsl_rl"))  # not the kit's logs/
  nb = nbformat.read(answered(student_notebook, tmp_path / "answered.ipynb"), as_version=4)
  client = NotebookClient(
    nb, timeout=SMOKE_LIMIT_S, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
  )
  start = time.monotonic()
  client.execute()  # raises CellExecutionError on the first failing cell
  elapsed = time.monotonic() - start
  print(f"smoke-mode execution: {elapsed:.1f} s")
  assert elapsed < SMOKE_LIMIT_S
  text = json.dumps([c.get("outputs", []) for c in nb.cells])
  assert f"{len(TODOS)} passed, 0 failed" in text, "the public self-check table"
  assert "ManagerBasedRlEnv: 16 envs" in text, "the tour built the env"
  [run] = (tmp_path / "logs" / "rsl_rl" / "go1_velocity").iterdir()
  # Two iterations: on a CPU on from the standing start's 100 (model_101.pt), on a GPU fresh.
  last = 101 if "warm start from" in text else 1
  assert f"[train] it {last}/{last}" in text, "the training's progress lines"
  assert (run / "evaluation" / "tracking.png").is_file() and (run / f"model_{last}.pt").is_file()
  if "renderer: none" not in text:
    assert (run / "videos" / "play.mp4").stat().st_size > 1000
    assert text.count("data:image/png;base64") >= 2, "the tour's frame and the tracking plot"
    assert "<video" in text


def test_training_runs_go_to_the_kits_log_folder(monkeypatch):
  """The notebook and `uv run train` (in the kit's folder) share the kit's logs/rsl_rl, wherever
  the notebook runs from."""
  [cell] = [
    c for c in nbformat.read(notebook.SOURCE, as_version=4).cells if "LOG_ROOT =" in c.source
  ]
  monkeypatch.delenv("TROTLAB_LOG_ROOT", raising=False)
  scope = {"os": os, "Path": Path, "KIT": Path("/somewhere/kit"), "GRADING": True, "SMOKE": False}
  scope["ON_COLAB"] = False
  exec(cell.source, scope)  # GRADING: TensorBoard is not started
  assert scope["LOG_ROOT"] == Path("/somewhere/kit/logs/rsl_rl")


def test_autograde_gives_the_solutions_full_marks(tmp_path):
  rubric = notebook.notebook_rubric()
  scores = notebook.autograde_notebook(notebook.SOURCE, tmp_path)
  assert set(scores) == set(rubric)
  for rid, item in rubric.items():
    assert scores[rid]["max_score"] == item["points"]
    if item.get("manual"):
      assert scores[rid]["score"] is None and "graded by hand" in scores[rid]["output"]
    else:
      assert scores[rid]["score"] == item["points"], scores[rid]["output"]
      assert "passed" in scores[rid]["output"]


def test_autograde_gives_the_untouched_student_version_zero(student_notebook, tmp_path):
  scores = notebook.autograde_notebook(student_notebook, tmp_path)
  for rid in ("N1", "N2", "N3"):
    assert scores[rid]["score"] == 0.0 and "NotImplementedError" in scores[rid]["output"]
  for rid in ("W1", "W2", "W3"):
    assert scores[rid]["score"] is None and scores[rid]["output"] == "graded by hand; no answer"


def test_autograde_partial_credit_and_the_source_tests(student_notebook, tmp_path):
  """N1 right, N2 with a wrong damping, N3 unanswered but its test cells emptied by the student:
  the tests come from the source, so N3 still scores 0."""
  source = {
    nbgrader_meta(c).get("grade_id"): c.source
    for c in nbformat.read(notebook.SOURCE, as_version=4).cells
  }
  wrong_kd = source["N2_answer"].replace(
    "2.0 * damping_ratio * inertia * natural_frequency", "damping_ratio * inertia"
  )
  assert wrong_kd != source["N2_answer"]
  path = answered(
    student_notebook,
    tmp_path / "submitted.ipynb",
    {"N2_answer": wrong_kd, "N3_answer": "pass", "W1": "Shaping helps."},
  )
  nb = nbformat.read(path, as_version=4)
  for cell in nb.cells:
    if nbgrader_meta(cell).get("grade_id", "").startswith("N3_") and nbgrader_meta(cell)["grade"]:
      cell.source = "pass"
  nbformat.write(nb, path)
  scores = notebook.autograde_notebook(path, tmp_path / "work")
  assert scores["N1"]["score"] == 3.0
  assert scores["N2"]["score"] == 2.0 and "N2_damping 0/2: AssertionError" in scores["N2"]["output"]
  assert scores["N3"]["score"] == 0.0
  assert "Shaping helps." in scores["W1"]["output"]
  verdicts = json.loads((tmp_path / "work" / "tests.json").read_text())
  assert set(verdicts) == {g.grade_id for g in notebook.grade_cells() if g.autograded}


def test_autograde_runs_the_student_code_in_the_sandbox(student_notebook, tmp_path):
  """N1's answer reads the source notebook (solutions, hidden tests): as root the sandbox's
  user may not. N2's answer hangs: the cell is stopped after the per-cell limit, N2 scores 0,
  and N3 is graded as usual."""
  source = ROOT / "notebooks" / "source" / "go1_velocity" / "go1_velocity.ipynb"
  path = answered(
    student_notebook,
    tmp_path / "submitted.ipynb",
    {
      "N1_answer": f"text = open({str(source)!r}).read()\nprint(len(text))",
      "N2_answer": "import time\n\ntime.sleep(10**6)",
    },
  )
  start = time.monotonic()
  scores = notebook.autograde_notebook(path, tmp_path / "work", cell_timeout_s=20)
  print(f"autograde with a hanging cell: {time.monotonic() - start:.1f} s")
  assert scores["N1"]["score"] == 0.0
  if os.geteuid() == 0:
    # The uid sandbox refuses the read; under bwrap the file is not even there.
    unreachable = ("N1_answer raised PermissionError", "N1_answer raised FileNotFoundError")
    assert any(s in scores["N1"]["output"] for s in unreachable), scores["N1"]["output"]
  assert scores["N2"]["score"] == 0.0
  assert "N2_answer raised TimeoutError" in scores["N2"]["output"], scores["N2"]["output"]
  assert "time limit per cell" in scores["N2"]["output"]
  assert scores["N3"]["score"] == 3.0, scores["N3"]["output"]


def test_autograde_when_the_sandbox_stops_the_run(student_notebook, tmp_path):
  limits = notebook.notebook_limits()
  # far less than the answers' process needs to import torch (3 s was not, on an idle machine)
  limits.wall_s = 0.3
  scores = notebook.autograde_notebook(student_notebook, tmp_path, limits=limits)
  for rid in ("N1", "N2", "N3"):
    assert scores[rid]["score"] == 0.0
    assert "notebook_answers stopped after" in scores[rid]["output"], scores[rid]["output"]
    assert "(time limit)" in scores[rid]["output"]


def test_autograde_of_an_unreadable_file(tmp_path):
  bad = tmp_path / "bad.ipynb"
  bad.write_text("{not json")
  scores = notebook.autograde_notebook(bad, tmp_path / "work")
  assert all(scores[rid]["score"] == 0.0 for rid in ("N1", "N2", "N3"))
  assert "could not be read" in scores["N1"]["output"]


STUBS = {
  "N1_answer": "def reflected_inertia(rotor_inertia, gear_ratio):\n  raise NotImplementedError\n\n\n"
  "def go1_armatures():\n  raise NotImplementedError\n",
  "N2_answer": "def pd_gains(inertia, natural_frequency, damping_ratio):\n"
  "  raise NotImplementedError\n",
  "N3_answer": "def action_scale(effort_limit, stiffness):\n  raise NotImplementedError\n\n\n"
  "def joint_target(default_pos, scale, action):\n  raise NotImplementedError\n",
}


def test_answer_cells_cannot_pass_the_tests_they_fail(student_notebook, tmp_path):
  """Issue 18's attacks on the notebook: an IPython input transformer that turns later cells into
  ``pass``, and patched math.isclose / torch.allclose, with every answer left unimplemented: no
  point (the tests run in another process, without IPython)."""
  patches = (
    "import math, torch\n"
    "math.isclose = lambda *args, **kwargs: True\n"
    "torch.allclose = lambda *args, **kwargs: True\n"
  )
  hook = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
  answers = dict(STUBS)
  answers["N1_answer"] = STUBS["N1_answer"] + patches + hook  # the functions exist, then the hook
  answers["N2_answer"] = patches + STUBS["N2_answer"]
  path = answered(student_notebook, tmp_path / "submitted.ipynb", answers)
  scores = notebook.autograde_notebook(path, tmp_path / "work")
  for rid in ("N1", "N2", "N3"):
    assert scores[rid]["score"] == 0.0, scores[rid]["output"]
    assert "NotImplementedError" in scores[rid]["output"], scores[rid]["output"]
  assert "N1_answer raised NameError: name 'get_ipython' is not defined" in scores["N1"]["output"]


def test_answer_cells_cannot_read_the_tests(student_notebook, tmp_path):
  """An answer that searches its process (every string object, the call stack, the files of its
  job) for the tests and raises what it found: the feedback holds none of the hidden tests."""
  snoop = (
    "import gc, inspect, pathlib\n\n\n"
    "def pd_gains(inertia, natural_frequency, damping_ratio):\n"
    "  strings = [o for o in gc.get_objects() if isinstance(o, str) and 'HIDDEN' in o]\n"
    "  frames = [repr(f.code_context) + repr(f.frame.f_globals.keys()) for f in inspect.stack()]\n"
    "  files = [p.read_text() for p in pathlib.Path('.').rglob('*') if p.is_file()]\n"
    "  raise RuntimeError(repr(strings) + repr(frames) + repr(files))\n"
  )
  path = answered(student_notebook, tmp_path / "submitted.ipynb", {"N2_answer": snoop})
  scores = notebook.autograde_notebook(path, tmp_path / "work")
  assert scores["N2"]["score"] == 0.0 and "RuntimeError" in scores["N2"]["output"]
  hidden = [
    line.strip()
    for cell in notebook.source_parts().tests
    for part in cell["source"].split("### BEGIN HIDDEN TESTS")[1:]
    for line in part.splitlines()
    if line.strip().startswith("assert")
  ]
  assert hidden, "the source has hidden tests"
  feedback = json.dumps(scores)
  for line in hidden:
    assert line not in feedback, line
  assert "HIDDEN" not in feedback and "0.56" not in feedback  # N2_damping's hidden expected kd
  assert scores["N1"]["score"] == 3.0 and scores["N3"]["score"] == 3.0


def test_answer_values_cross_as_json_and_back():
  """The answers' results reach the tests as JSON (trotlab.grading.notebook_calls): what the
  tests compare comes back with its type, and the call key does not depend on dict order."""
  import math

  import torch

  from trotlab.grading import notebook_calls as calls

  values = [
    1.5,
    -3,
    True,
    None,
    "text",
    (0.25, [1.0, 2.0]),
    {"kp": 1.0, "kd": (2.0,)},
    torch.tensor([0.3, 0.9, -1.9]),
    torch.tensor([[1, 2]], dtype=torch.int64),
    torch.tensor(2.5),
  ]
  for value in values:
    back = calls.decode(json.loads(json.dumps(calls.encode(value))))
    if isinstance(value, torch.Tensor):
      assert back.dtype == value.dtype and torch.equal(back, value)
    else:
      assert back == value and type(back) is type(value)
  assert math.isnan(calls.decode(calls.encode(float("nan"))))
  assert calls.decode(calls.encode(float("-inf"))) == float("-inf")
  with pytest.raises(calls.Unencodable):
    calls.encode(object())
  with pytest.raises(ValueError):
    calls.decode({"tensor": [1.0], "dtype": "not_a_dtype"})
  deep: list = []
  for _ in range(calls.MAX_DEPTH + 5):
    deep = [deep]
  with pytest.raises(calls.Unencodable):
    calls.encode(deep)
  a = calls.call_key(calls.call("f", (1.0,), {"x": 1, "y": 2}))
  b = calls.call_key(calls.call("f", (1.0,), {"y": 2, "x": 1}))
  assert a == b
