"""Nothing the students receive computes an autograded notebook answer (N1-N3).

The kit keeps the numbers the framework needs (go1_constants: armatures, gains, action scales);
the notebook asks students to derive them. A formula of an answer cell, written anywhere in the
released code, would be free points for everyone who opens that file.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

from autograder import release
from autograder.notebook import SOURCE

ROOT = Path(__file__).resolve().parents[1]

ALLOWED = {
  "_ + _ * _": (
    "N3's joint_target q* = q_default + s a is the action term's own step"
    " (trotlab/managers/action_manager.py): the framework cannot run without it, and the"
    " notebook states the formula in the question"
  ),
}
"""Canonical computations the kit must hold, with the reason."""

SOLUTION_RE = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


class _Canonical(ast.NodeTransformer):
  """Names and attributes become ``_`` (the kit names things its own way); numbers, operators
  and called answer functions stay."""

  def __init__(self, answer_functions: set[str]) -> None:
    self.answer_functions = answer_functions

  def visit_Name(self, node: ast.Name) -> ast.AST:
    if node.id in self.answer_functions:
      return node
    return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

  def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
    if node.attr in self.answer_functions:
      return ast.copy_location(ast.Name(id=node.attr, ctx=ast.Load()), node)
    return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)


def computations(source: str, answer_functions: set[str], outermost: bool = False) -> set[str]:
  """The canonical text of every arithmetic expression (BinOp; with ``outermost``, only those
  not inside another) and every call of an answer function in ``source``."""
  found, inner = set(), set()
  for node in ast.walk(ast.parse(source)):
    if id(node) in inner:
      continue
    if outermost and isinstance(node, ast.BinOp):
      inner |= {id(child) for child in ast.walk(node) if child is not node}
    is_call = isinstance(node, ast.Call) and (
      getattr(node.func, "id", None) in answer_functions
      or getattr(node.func, "attr", None) in answer_functions
    )
    if isinstance(node, ast.BinOp) or is_call:
      canonical = _Canonical(answer_functions).visit(ast.parse(ast.unparse(node), mode="eval"))
      text = ast.unparse(canonical)
      if is_call:
        text = text.split("(")[0] + "(...)"
      found.add(text)
  return found


def answer_cells() -> list[tuple[str, str]]:
  """(grade_id, solution code) of the source notebook's autograded answer cells."""
  cells = []
  for cell in json.loads(SOURCE.read_text())["cells"]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
      source = "".join(cell["source"])
      for region in SOLUTION_RE.findall(source):
        cells.append((meta["grade_id"], textwrap.dedent(region)))
  return cells


def answer_functions() -> set[str]:
  names = set()
  for cell in json.loads(SOURCE.read_text())["cells"]:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell["cell_type"] == "code" and meta.get("solution") and not meta.get("grade"):
      tree = ast.parse("".join(cell["source"]))
      names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
  return names


def released_python() -> list[Path]:
  """The Python files the student release copies (release.COPY)."""
  files = []
  for entry in release.COPY:
    path = ROOT / entry
    files += [path] if path.suffix == ".py" else sorted(path.rglob("*.py")) if path.is_dir() else []
  return files


def wanted() -> dict[str, str]:
  """Canonical computation -> the grade id of the answer cell it solves (ALLOWED left out)."""
  functions, found = answer_functions(), {}
  for grade_id, code in answer_cells():
    for text in computations(code, functions, outermost=True) - ALLOWED.keys():
      found.setdefault(text, grade_id)
  return found


def hits(files: list[Path]) -> list[str]:
  """'file: computation (grade id)' for each answer computation found in ``files``."""
  answers, functions = wanted(), answer_functions()
  return [
    f"{file.name}: {text} ({answers[text]})"
    for file in files
    for text in sorted(computations(file.read_text(), functions) & answers.keys())
  ]


def test_every_answer_has_a_computation_to_look_for():
  """The scan is not empty: each answer cell's solution yields something it would find."""
  functions = answer_functions()
  assert {"reflected_inertia", "go1_armatures", "pd_gains", "action_scale"} <= functions
  for grade_id, code in answer_cells():
    assert computations(code, functions, outermost=True), grade_id


def test_no_released_file_computes_a_notebook_answer():
  files = released_python()
  assert ROOT / "student" / "trotlab" / "assets" / "unitree_go1" / "go1_constants.py" in files
  assert not hits(files), "\n".join(hits(files))


def test_the_scan_finds_the_formulas_the_kit_used_to_hold(tmp_path):
  """The go1_constants of before issue 32 (formulas of N1, N2 and N3) is caught."""
  old = tmp_path / "go1_constants.py"
  old.write_text(
    "def reflected_inertia(rotor_inertia, gear_ratio):\n"
    "  return rotor_inertia * gear_ratio**2\n"
    "def pd_gains(inertia, natural_frequency, damping_ratio):\n"
    "  return inertia * natural_frequency**2, 2.0 * damping_ratio * inertia * natural_frequency\n"
    "HIP_ARMATURE = reflected_inertia(ROTOR_INERTIA, HIP_GEAR_RATIO)\n"
    "SCALE = 0.25 * HIP_EFFORT_LIMIT / HIP_STIFFNESS\n"
  )
  found = hits([old])
  assert any("(N1_answer)" in f for f in found), found
  assert any("(N2_answer)" in f for f in found), found
  assert any("(N3_answer)" in f for f in found), found
