"""`uv run submit`: the hand-in zip holds exactly what the grader reads (the five MDP files and,
when given, the notebook), the grader's read_submission reads it back to the same bytes, the
public self-check runs first without stopping the zip, and bad input is refused before anything
is written."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder import grade
from trotlab.scripts import check, submit
from trotlab.tasks.velocity import mdp

FIVE = sorted(f"{name}.py" for name in mdp.MDP_FILES)


@pytest.fixture
def mdp_folder(tmp_path) -> Path:
  """The reference's five files, with what a student's folder also holds and must not be packed."""
  folder = tmp_path / "my_mdp"
  folder.mkdir()
  for name in mdp.MDP_FILES:
    shutil.copy(mdp.resolve_mdp_dir("solutions") / f"{name}.py", folder / f"{name}.py")
  (folder / "notes.txt").write_text("my notes")
  (folder / "tracking.png").write_bytes(b"\x89PNG not graded")
  (folder / "__pycache__").mkdir()
  (folder / "__pycache__" / "rewards.cpython-311.pyc").write_bytes(b"\0")
  return folder


@pytest.fixture
def checked(monkeypatch) -> list[str]:
  """The self-check replaced by a stub that passes (the real one has its own tests below); the
  list records the MDP choice of every call."""
  calls: list[str] = []

  def fake(choice: str, assignment: str = "flat") -> str | None:
    calls.append(choice if assignment == "flat" else f"{choice} ({assignment})")
    return None

  monkeypatch.setattr(submit, "run_self_check", fake)
  return calls


def notebook_json(answer: str = "def f():\n  return 1\n") -> str:
  """A small notebook with one answer cell and one test cell, in the released notebook's format."""
  cells = [
    {
      "cell_type": "code",
      "metadata": {"nbgrader": {"grade_id": "N1_answer", "solution": True, "grade": False}},
      "source": answer,
      "outputs": [],
      "execution_count": None,
    },
    {
      "cell_type": "code",
      "metadata": {"nbgrader": {"grade_id": "N1_test", "solution": False, "grade": True}},
      "source": "assert f() == 1\n",
      "outputs": [],
      "execution_count": None,
    },
  ]
  return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_the_zip_holds_exactly_the_five_files_and_the_grader_reads_them_back(
  mdp_folder, tmp_path, checked, capsys
):
  out = tmp_path / "hand_in" / "submission.zip"
  assert submit.main(["--mdp", str(mdp_folder), "--out", str(out)]) == 0
  assert checked == [str(mdp_folder)], "the public self-check runs first, on the same files"
  with zipfile.ZipFile(out) as archive:
    assert sorted(archive.namelist()) == FIVE
  sub = grade.read_submission(out)
  assert sub.messages == [] and sub.notebook is None
  assert sub.files == {name: (mdp_folder / name).read_bytes() for name in FIVE}
  printed = capsys.readouterr().out
  assert f"Wrote {submit.shown(out)} " in printed
  for name in FIVE:
    assert f"{(mdp_folder / name).stat().st_size:,} bytes" in printed, name
  assert "no notebook" in printed
  assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as any file the student writes


def _umask() -> int:
  import os

  mask = os.umask(0)
  os.umask(mask)
  return mask


def test_the_notebook_is_packed_under_the_name_the_grader_looks_for(
  mdp_folder, tmp_path, checked, capsys
):
  notebook = tmp_path / "go1_velocity (1).ipynb"  # a browser's name for a second download
  notebook.write_text(notebook_json())
  out = tmp_path / "submission.zip"
  submit.main(["--mdp", str(mdp_folder), "--out", str(out), "--notebook", str(notebook)])
  with zipfile.ZipFile(out) as archive:
    assert sorted(archive.namelist()) == sorted([*FIVE, grade.NOTEBOOK])
  sub = grade.read_submission(out)
  assert sub.notebook == notebook.read_bytes() and set(sub.files) == set(FIVE)
  printed = capsys.readouterr().out
  assert " ".join(submit.WHAT_IS_GRADED.split()) in " ".join(printed.split())
  # Packed again without --notebook, the zip would lose the notebook: refused, left as it is.
  before = out.read_bytes()
  with pytest.raises(SystemExit, match="holds your notebook .* add --notebook PATH"):
    submit.main(["--mdp", str(mdp_folder), "--out", str(out)])
  assert out.read_bytes() == before


def test_the_second_assignment_packs_terrain_py_alone(mdp_folder, tmp_path, checked):
  """--assignment rough: terrain.py only, checked as the second assignment, read back by the
  grader's reader for that assignment; no notebook goes with it."""
  shutil.copy(mdp.resolve_mdp_dir("solutions") / "terrain.py", mdp_folder / "terrain.py")
  out = tmp_path / "rough.zip"
  assert submit.main(["--mdp", str(mdp_folder), "--out", str(out), "--assignment", "rough"]) == 0
  assert checked == [f"{mdp_folder} (rough)"]
  with zipfile.ZipFile(out) as archive:
    assert archive.namelist() == ["terrain.py"]
  assert set(grade.read_submission(out, ("terrain",)).files) == {"terrain.py"}
  assert set(grade.read_submission(out).files) == set(), "not a first-assignment hand-in"
  with pytest.raises(SystemExit, match="no notebook"):
    submit.main(["--mdp", str(mdp_folder), "--assignment", "rough", "--notebook", str(out)])
  (mdp_folder / "terrain.py").unlink()
  with pytest.raises(SystemExit, match="terrain.py missing"):
    submit.main(["--mdp", str(mdp_folder), "--out", str(out), "--assignment", "rough"])


def test_the_grader_limits_are_the_ones_submit_warns_about():
  assert submit.NOTEBOOK_NAME == grade.NOTEBOOK
  assert submit.MAX_MDP_FILE_BYTES == grade.MAX_FILE_BYTES


def test_a_missing_mdp_file_is_refused_and_nothing_is_written(mdp_folder, tmp_path, checked):
  (mdp_folder / "curriculums.py").unlink()
  out = tmp_path / "submission.zip"
  with pytest.raises(SystemExit) as refused:
    submit.main(["--mdp", str(mdp_folder), "--out", str(out)])
  message = str(refused.value.code)
  assert message.startswith("error: curriculums.py missing") and "Nothing was written" in message
  assert not out.exists() and checked == []


@pytest.mark.parametrize("kind", ["text file named .zip", "folder", "not a .zip path"])
def test_a_bad_out_is_refused_and_left_alone(mdp_folder, tmp_path, checked, kind):
  if kind == "text file named .zip":
    out = tmp_path / "report.zip"
    out.write_text("my report, not a zip")
  elif kind == "folder":
    out = tmp_path / "results.zip"
    out.mkdir()
  else:
    out = tmp_path / "rewards.py"
    out.write_text("# my work")
  before = out.read_text() if out.is_file() else None
  with pytest.raises(SystemExit) as refused:
    submit.main(["--mdp", str(mdp_folder), "--out", str(out)])
  assert str(refused.value.code).startswith("error: --out ")
  assert (out.read_text() if out.is_file() else None) == before
  assert checked == [] and not list(tmp_path.glob(".submit-*"))


def test_an_earlier_zip_of_the_same_hand_in_is_replaced_and_the_output_says_so(
  mdp_folder, tmp_path, checked, capsys
):
  out = tmp_path / "submission.zip"
  with zipfile.ZipFile(out, "w") as archive:
    archive.writestr("rewards.py", "# an earlier attempt")
  submit.main(["--mdp", str(mdp_folder), "--out", str(out)])
  with zipfile.ZipFile(out) as archive:
    assert sorted(archive.namelist()) == FIVE
  assert f"(replaced the earlier {submit.shown(out)}, written " in capsys.readouterr().out


@pytest.mark.parametrize("earlier", [["old.txt"], FIVE])
def test_a_zip_of_another_hand_in_is_refused_and_left_alone(mdp_folder, tmp_path, checked, earlier):
  """A zip holding files this hand-in would not (another assignment's, or anything else) is
  never replaced: packing the second assignment over the first's zip is refused."""
  shutil.copy(mdp.resolve_mdp_dir("solutions") / "terrain.py", mdp_folder / "terrain.py")
  out = tmp_path / "submission.zip"
  with zipfile.ZipFile(out, "w") as archive:
    for name in earlier:
      archive.writestr(name, "# kept")
  before = out.read_bytes()
  with pytest.raises(SystemExit, match="holds another hand-in"):
    submit.main(["--mdp", str(mdp_folder), "--out", str(out), "--assignment", "rough"])
  assert out.read_bytes() == before and checked == []


def test_each_assignment_has_its_own_default_zip(mdp_folder, tmp_path, checked, monkeypatch):
  shutil.copy(mdp.resolve_mdp_dir("solutions") / "terrain.py", mdp_folder / "terrain.py")
  monkeypatch.chdir(tmp_path)
  submit.main(["--mdp", str(mdp_folder)])
  submit.main(["--mdp", str(mdp_folder), "--assignment", "rough"])
  with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
    assert sorted(archive.namelist()) == FIVE
  with zipfile.ZipFile(tmp_path / "submission_rough.zip") as archive:
    assert archive.namelist() == ["terrain.py"]


def test_what_is_graded_is_said_the_same_in_the_handout_and_the_notebook():
  """One statement of what is graded: submit prints it; the handout (its opening and section 9)
  and the notebook's hand-in section carry the same sentence."""
  root = Path(__file__).resolve().parents[1]
  sentence = " ".join(submit.WHAT_IS_GRADED.split())
  handout = " ".join((root / "handouts" / "assignment.md").read_text().split())
  assert handout.count(sentence) == 2
  notebook = json.loads((root / "notebooks/source/go1_velocity/go1_velocity.ipynb").read_text())
  cells = [" ".join("".join(cell["source"]).split()) for cell in notebook["cells"]]
  assert sum(sentence in text for text in cells) == 1


def test_a_failing_self_check_is_reported_and_the_zip_still_written(
  mdp_folder, tmp_path, monkeypatch, capsys
):
  monkeypatch.setattr(submit, "run_self_check", lambda choice, assignment: "not every TODO passes")
  out = tmp_path / "submission.zip"
  assert submit.main(["--mdp", str(mdp_folder), "--out", str(out)]) == 0
  assert "warning: not every TODO passes" in capsys.readouterr().out
  assert set(grade.read_submission(out).files) == set(FIVE)


def test_the_self_check_is_the_one_uv_run_check_runs(monkeypatch):
  seen = []
  monkeypatch.setattr(check, "main", lambda argv: seen.append(argv) or 1)
  assert "not every TODO passes" in submit.run_self_check("some/folder")
  assert seen == [["--mdp", "some/folder", "--assignment", "flat"]]
  monkeypatch.setattr(check, "main", lambda argv: 0)
  assert submit.run_self_check("student") is None


def test_the_real_self_check_reports_untouched_stubs_and_files_that_do_not_import(tmp_path):
  assert "not every TODO passes" in submit.run_self_check("student")
  broken = tmp_path / "broken"
  shutil.copytree(mdp.STUDENT_DIR, broken, ignore=shutil.ignore_patterns("__*"))
  (broken / "rewards.py").write_text("def track_linear_velocity(:\n")
  problem = submit.run_self_check(str(broken))
  assert problem.startswith("the self-check could not run: SyntaxError")


def test_notebook_warnings_name_what_the_grader_would_miss(tmp_path):
  notebook = tmp_path / "go1_velocity.ipynb"
  notebook.write_text(notebook_json())
  assert submit.notebook_warnings(notebook) == []
  notebook.write_text(notebook_json("# YOUR CODE HERE\nraise NotImplementedError()\n"))
  assert submit.notebook_warnings(notebook) == [
    "not answered yet in go1_velocity.ipynb: N1_answer."
  ]
  notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": ""}]}))
  assert "none of the released notebook's graded cells" in submit.notebook_warnings(notebook)[0]
  notebook.write_text("not json")
  assert "not a readable notebook" in submit.notebook_warnings(notebook)[0]


def test_a_missing_notebook_is_refused(mdp_folder, tmp_path, checked):
  out = tmp_path / "submission.zip"
  with pytest.raises(SystemExit, match="--notebook .*no such file"):
    submit.main(["--mdp", str(mdp_folder), "--out", str(out), "--notebook", str(tmp_path / "nb")])
  assert not out.exists()
