"""The student release: no solution line and no hidden file anywhere in it; in a fresh virtual
env built from it, `uv run check` lists the TODOs and `uv run train --help` works."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder import release


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
  out = tmp_path_factory.mktemp("release") / "trotlab-student"
  release.build_release(out, kit_url="https://git.example.edu/rl101/trotlab-student.git")
  return out


def test_release_contents(release_dir):
  assert (
    release_dir / "student" / "trotlab" / "tasks" / "velocity" / "mdp" / "rewards.py"
  ).is_file()
  assert (release_dir / "autograder" / "public" / "cases.json").is_file()
  assert (release_dir / "uv.lock").is_file() and (release_dir / "README.md").is_file()
  assert not (release_dir / "solutions").exists() and not (release_dir / "tests").exists()
  assert not (release_dir / "autograder" / "release.py").exists()
  pyproject = (release_dir / "pyproject.toml").read_text()
  assert (
    "release =" not in pyproject
    and "make-student =" not in pyproject
    and '"autograder"' not in pyproject
  )
  assert "check =" in pyproject and "train =" in pyproject
  notebook = (release_dir / "notebooks" / "go1_velocity.ipynb").read_text()
  assert "https://git.example.edu/rl101/trotlab-student.git" in notebook  # --kit-url
  assert release.PLACEHOLDER_KIT_URL not in notebook


def test_release_reveals_no_solution_line(release_dir):
  secret = release.solution_lines()
  assert len(secret) > 30, "the scan has real lines to look for"
  for path in release_dir.rglob("*"):
    assert "hidden" not in path.parts and "solutions" not in path.parts, path
    if path.is_file() and path.suffix in (".py", ".md", ".json", ".toml", ".txt", ".xml", ".yaml"):
      text = path.read_text()
      hits = [line for line in text.splitlines() if line.strip() in secret]
      assert not hits, f"{path}: {hits[:3]}"
  assert release.leaks(release_dir) == []


def test_leak_scan_catches_a_solution_line(tmp_path):
  out = tmp_path / "bad"
  shutil.copytree(release.ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp", out)
  solved = (release.ROOT / "solutions" / "velocity" / "mdp" / "rewards.py").read_text()
  (out / "notes.py").write_text(solved)
  assert any("notes.py" in hit for hit in release.leaks(out))


def test_release_refuses_a_non_empty_folder(tmp_path):
  (tmp_path / "keep.txt").write_text("important")
  with pytest.raises(SystemExit, match="not empty"):
    release.build_release(tmp_path, kit_url="https://git.example.edu/rl101/trotlab-student.git")
  assert (tmp_path / "keep.txt").read_text() == "important"


@pytest.mark.parametrize("kit_url", [None, "", release.PLACEHOLDER_KIT_URL])
def test_release_refuses_without_a_kit_url(tmp_path, kit_url):
  """Without --kit-url the notebook would clone a placeholder on Colab: a one-line error that
  names the fix, before anything is written (even with --force)."""
  out = tmp_path / "out"
  argv = [str(out), "--force"] + ([] if kit_url is None else ["--kit-url", kit_url])
  with pytest.raises(SystemExit) as refused:
    release.main(argv)
  message = str(refused.value.code)
  assert message.startswith("error: pass --kit-url URL") and "\n" not in message
  assert not out.exists()


def test_fresh_environment_from_the_release(release_dir):
  uv = shutil.which("uv")
  if uv is None:
    pytest.fail("uv is not on PATH (the README's set-up installs it)")
  env = {
    k: v
    for k, v in os.environ.items()
    if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
  }
  checked = subprocess.run(
    [uv, "run", "--locked", "check"],
    cwd=release_dir,
    env=env,
    capture_output=True,
    text=True,
    timeout=1200,
  )
  assert checked.returncode == 1, checked.stdout[-2000:] + checked.stderr[-2000:]
  assert "0 passed, 27 failed (27 not implemented)" in checked.stdout
  assert "R1" in checked.stdout and "K2" in checked.stdout
  helped = subprocess.run(
    [uv, "run", "--locked", "train", "--help"],
    cwd=release_dir,
    env=env,
    capture_output=True,
    text=True,
    timeout=600,
  )
  assert helped.returncode == 0 and "Mjlab-Velocity-Flat-Unitree-Go1" in helped.stdout
