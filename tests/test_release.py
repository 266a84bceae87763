"""The student release: no solution line and no hidden file anywhere in it, no name of a thing it
does not contain; in a fresh virtual env built from it, `uv run check` lists the TODOs and
`uv run train --help` works."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder import release
from trotlab.grading.todos import TODOS


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
  out = tmp_path_factory.mktemp("release") / "trotlab-student"
  release.build_release(out, kit_url="https://git.example.edu/rl101/trotlab-student.git")
  return out


def test_release_contents(release_dir):
  assert (
    release_dir / "student" / "trotlab" / "tasks" / "velocity" / "mdp" / "rewards.py"
  ).is_file()
  public_cases = release_dir / "student" / "trotlab" / "grading" / "public_cases"
  assert sorted(p.name for p in public_cases.glob("*.npz")) == sorted(
    p.name for p in release.PUBLIC_CASES_DIR.glob("*.npz")
  )
  assert all(p.name.startswith("public_") for p in public_cases.iterdir())
  assert (release_dir / "autograder" / "public" / "rubric.toml").is_file()
  assert (release_dir / "uv.lock").is_file() and (release_dir / "README.md").is_file()
  assert not (release_dir / "solutions").exists() and not (release_dir / "tests").exists()
  assert not (release_dir / "autograder" / "release.py").exists()
  pyproject = (release_dir / "pyproject.toml").read_text()
  assert (
    "release =" not in pyproject
    and "make-student =" not in pyproject
    and '"autograder"' not in pyproject
    and '"solutions"' not in pyproject
  )
  assert "check =" in pyproject and "train =" in pyproject and "submit =" in pyproject
  assert "uv run submit" in (release_dir / "README.md").read_text()
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


def test_leak_scan_catches_a_hidden_case_among_the_public_ones(tmp_path):
  out = tmp_path / "kit" / "student" / "trotlab" / "grading" / "public_cases"
  out.mkdir(parents=True)
  shutil.copy(release.PUBLIC_CASES_DIR / "public_tumble.npz", out / "public_tumble.npz")
  shutil.copy(release.ROOT / "autograder" / "hidden" / "walk.npz", out / "walk.npz")
  shutil.copy(release.ROOT / "autograder" / "hidden" / "single.npz", out / "public_single.npz")
  hits = release.leaks(tmp_path / "kit")
  assert len(hits) == 2 and all("not a public case" in hit for hit in hits), hits
  assert not any("public_tumble" in hit for hit in hits)


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


ABSENT = {
  "solutions/": r"(?<![\w./-])solutions/",
  "--mdp solutions": r"--mdp[ =]solutions\b",
  "make_student": r"make[_-]student",
  "make_public_cases": r"make_public_cases",
  "record_cases": r"record_cases",
  "DESIGN.md": r"DESIGN\.md",
  "grade.py": r"\bgrade\.py\b",
  "docs/": r"(?<![\w./-])docs/",
  "hidden/": r"(?<![\w./-])hidden/",
  "tests/": r"(?<![\w./-])tests/",
  "autograder/ beyond public/": r"\bautograder[/.](?!public\b)\w+",
}
"""Names of what the release does not contain (label: pattern). The kit ships student/,
autograder/public/, handouts/, the student notebook, a student README and pyproject; the
reference, the grader, the instructor tools, docs/, tests/ and the design stay behind."""

INSTRUCTOR_MARKERS = ("instructor repository", "instructor's repository")
"""A line that names where the thing lives tells the student it is not in the kit: fine."""

ALLOWED = {
  ("student/trotlab/tasks/velocity/mdp/__init__.py", '"--mdp solutions: the reference MDP'): (
    "the error that --mdp solutions gives in the kit; its next line says that the reference "
    "ships only with the instructor repository"
  ),
  ("student/trotlab/scripts/common.py", "train the reference with --mdp solutions"): (
    "printed only where the solutions folder exists (exit_on_todos checks)"
  ),
}
"""(file, text on the line) -> why that mention is fine. Every entry must still match."""


def mentions_of_absent_things(root: Path) -> list[tuple[str, int, str, str]]:
  """(file, line number, label, line) for every name of an absent thing in root's text files."""
  patterns = {label: re.compile(pattern) for label, pattern in ABSENT.items()}
  found = []
  for path in sorted(root.rglob("*")):
    rel = path.relative_to(root).as_posix()
    if not path.is_file() or rel.startswith((".venv/", "logs/")):
      continue
    try:
      text = path.read_text()
    except UnicodeDecodeError:
      continue  # binary files (the npz cases) hold no names a student reads
    for number, line in enumerate(text.splitlines(), start=1):
      for label, pattern in patterns.items():
        if pattern.search(line):
          found.append((rel, number, label, line.strip()))
  return found


def test_the_release_names_nothing_it_does_not_contain(release_dir):
  """Issue 17, item 3: a student who follows a name in the kit finds the thing in the kit."""
  used: set[tuple[str, str]] = set()
  unexplained = []
  for rel, number, label, line in mentions_of_absent_things(release_dir):
    if any(marker in line for marker in INSTRUCTOR_MARKERS):
      continue
    keys = [key for key in ALLOWED if key[0] == rel and key[1] in line]
    if keys:
      used.update(keys)
      continue
    unexplained.append(f"{rel}:{number}: {label}: {line}")
  assert not unexplained, "names of what the release lacks:\n" + "\n".join(unexplained)
  stale = [key for key in ALLOWED if key not in used]
  assert not stale, f"allow-list entries that match nothing any more (delete them): {stale}"


def test_the_scan_finds_each_kind_of_name(tmp_path):
  lines = [
    "# Generated from solutions/velocity/mdp by autograder/make_student.py.",
    "or train the reference with --mdp solutions.",
    "Regenerate with `uv run python -m autograder.make_public_cases`.",
    "see DESIGN.md and docs/benchmarks.md, grade.py, hidden/walk.npz, tests/test_env.py",
    "uv run python -m autograder.record_cases",
  ]
  (tmp_path / "notes.md").write_text("\n".join(lines))
  (tmp_path / "ok.md").write_text("autograder/public/rubric.toml, https://docs.example.org/docs/x")
  labels = {label for _, _, label, _ in mentions_of_absent_things(tmp_path)}
  assert labels == set(ABSENT), sorted(set(ABSENT) - labels)
  assert all(rel == "notes.md" for rel, *_ in mentions_of_absent_things(tmp_path))


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
  n = len(TODOS)
  assert f"0 passed, 0 failed, {n} not implemented yet" in checked.stdout
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
