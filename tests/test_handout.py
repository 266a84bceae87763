"""The handout (handouts/assignment.md) agrees with the TODO registry (trotlab.grading.todos) and
the rubric (autograder/public/rubric.toml): every TODO of the stubs has a section
"### <id> — <name> (<points> points)" with the registry's name and points, the rubric table quotes every id's points, and the totals add up. It also holds
the step's data-flow figure and reveals no solution line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from autograder import release
from trotlab.grading.todos import ASSIGNMENTS, BY_ID, FIRST
from trotlab.tasks.velocity.mdp import STUDENT_DIR
from trotlab.utils.todo import scan_todos

ROOT = Path(__file__).resolve().parents[1]
HANDOUT = ROOT / "handouts" / "assignment.md"
RUBRIC = tomllib.loads((ROOT / "autograder" / "public" / "rubric.toml").read_text())
SECTION_RE = re.compile(
  r"^###\s+(?P<id>[A-Z]\d+)\s+—\s+(?P<name>\S+)\s+\((?P<points>\d+) points?\)\s*$", re.M
)
ROW_RE = re.compile(
  r"^\|\s*(?P<id>[^|]*?)\s*\|\s*(?P<what>[^|]*?)\s*\|[^|]*\|\s*(?P<points>\**\d+\**)\s*\|\s*$", re.M
)


@pytest.fixture(scope="module")
def text() -> str:
  return HANDOUT.read_text()


def rubric_points() -> dict[str, int]:
  """Every graded id of the first assignment's rubric with its points: terms, training phases,
  notebook."""
  points = {t.todo: t.points for t in FIRST.todos}
  points.update(RUBRIC["training"])
  points.update({nid: item["points"] for nid, item in RUBRIC["notebook"].items()})
  return points


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_every_todo_of_the_stubs_has_a_section_with_the_rubric_points(assignment):
  """Each assignment's handout has a section per TODO of its stub files."""
  text = (ROOT / assignment.handout).read_text()
  files = [STUDENT_DIR / f"{name}.py" for name in assignment.files]
  stub_ids = {t.todo_id for t in scan_todos(files)}
  assert stub_ids == set(assignment.ids), "the stubs' TODOs are the registry's ids"
  sections = {m["id"]: m for m in SECTION_RE.finditer(text)}
  assert set(sections) == stub_ids, sorted(stub_ids ^ set(sections))
  for tid in stub_ids:
    assert int(sections[tid]["points"]) == BY_ID[tid].points, tid
    assert sections[tid]["name"] == BY_ID[tid].name, tid
  headings = [m["id"] for m in SECTION_RE.finditer(text)]
  assert len(headings) == len(set(headings)), "one section per TODO"


def test_rubric_table_and_totals_match_the_rubric(text):
  rows = list(ROW_RE.finditer(text))
  by_id = {m["id"]: int(m["points"]) for m in rows if m["id"] and m["id"] != "id"}
  assert by_id == rubric_points()
  totals = {m["what"].strip("*"): int(m["points"].strip("*")) for m in rows if not m["id"]}
  terms = FIRST.total_points
  training = sum(RUBRIC["training"].values())
  notebook = sum(item["points"] for item in RUBRIC["notebook"].values())
  assert totals == {
    "Term checks": terms,
    "Training check": training,
    "Notebook": notebook,
    "Total": terms + training + notebook,
  }
  summary = re.search(
    r"\*\*(\d+)\*\* for the MDP terms, \*\*(\d+)\*\* for the training check, \*\*(\d+)\*\* for "
    r"the notebook, \*\*(\d+)\*\*",
    text.replace("\n", " "),
  )
  assert summary is not None
  assert [int(g) for g in summary.groups()] == [
    terms,
    training,
    notebook,
    terms + training + notebook,
  ]


def test_the_second_handout_quotes_the_registry_and_no_solution_line():
  rough = ASSIGNMENTS["rough"]
  text = (ROOT / rough.handout).read_text()
  rows = list(ROW_RE.finditer(text))
  by_id = {m["id"]: int(m["points"]) for m in rows if m["id"] and m["id"] != "id"}
  assert by_id == {t.todo: t.points for t in rough.todos}
  totals = {m["what"].strip("*"): int(m["points"].strip("*")) for m in rows if not m["id"]}
  assert totals == {"Term checks": rough.total_points, "Total": rough.total_points}
  assert f"**{rough.total_points}** for the MDP terms" in text
  assert rough.check_command in text and rough.task in text
  secret = release.solution_lines()
  assert not [line for line in text.splitlines() if line.strip() in secret]


def test_figure_math_and_no_solution_lines(text):
  assert "```mermaid" in text and "flowchart" in text, "the step's data-flow figure"
  assert text.count("$$") % 2 == 0, "math blocks are closed"
  secret = release.solution_lines()
  hits = [line for line in text.splitlines() if line.strip() in secret]
  assert not hits, hits


def training_options_table(path: Path) -> list[str]:
  """The rows of the "choice | switched on with" table in ``path``, without indentation."""
  lines = [line.strip() for line in path.read_text().splitlines()]
  start = next(i for i, line in enumerate(lines) if line.startswith("| choice | switched on with"))
  end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
  return lines[start:end]


def test_readme_and_handout_list_the_same_training_options():
  """The table of rsl-rl choices is written twice (the README for instructors, the handout for
  students): a row changed in one must change in the other."""
  handout = training_options_table(HANDOUT)
  assert any("--agent.distillation.teacher-checkpoint" in row for row in handout)
  assert training_options_table(ROOT / "README.md") == handout


def layout_paths(path: Path, prefix: str) -> set[str]:
  """The folders named in the first column of ``path``'s layout table (rows "| `folder/` | ...")."""
  rows = re.findall(r"^\| `([\w./]+/)` \|", path.read_text(), re.M)
  return {row.removeprefix(prefix) for row in rows}


def test_the_layout_tables_match_the_tree():
  """Every package of trotlab is in the README's and the handout's layout tables, and every
  folder they name exists."""
  package = ROOT / "student" / "trotlab"
  packages = {f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()}
  readme = layout_paths(ROOT / "README.md", "student/trotlab/")
  handout = layout_paths(HANDOUT, "")
  for named in (readme, handout):
    top = {name.split("/")[0] + "/" for name in named}
    assert packages <= top, packages - top
  missing = [n for n in readme if not ((package / n).is_dir() or (ROOT / n).is_dir())]
  missing += [n for n in handout if not (package / n).is_dir()]
  assert not missing, missing
