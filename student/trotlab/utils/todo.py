"""TODOs of the student files: the exception a stub raises, and a scan that lists them.

A stub body is ``raise TodoNotImplemented("R1")``. The scan reads the MDP files without running
them, so ``train`` can list every unimplemented TODO before it builds anything.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path


def handout_of(todo_id: str) -> str:
  """The handout with the section of ``todo_id`` (its assignment's; the first's for an unknown
  id)."""
  from trotlab.grading.todos import BY_ID, FIRST, assignment_of

  return assignment_of(todo_id).handout if todo_id in BY_ID else FIRST.handout


class TodoNotImplemented(NotImplementedError):
  """Raised by an untouched stub. ``todo_id`` is the handout's id, e.g. "R1"."""

  def __init__(self, todo_id: str, where: str = "") -> None:
    self.todo_id = todo_id
    self.where = where
    prefix = f"{where}: " if where else ""
    super().__init__(
      f"{prefix}TODO({todo_id}) is not implemented yet: fill in the stub "
      f"({handout_of(todo_id)}, section {todo_id})."
    )


@dataclasses.dataclass(frozen=True)
class Todo:
  todo_id: str
  name: str
  """Function or Class.method holding the stub."""
  file: Path
  line: int

  def describe(self) -> str:
    return f"{f'TODO({self.todo_id})':<9}  {self.name:<40} {self.file.name}:{self.line}  (handout {handout_of(self.todo_id)}, section {self.todo_id})"


def scan_todos(files: list[Path]) -> list[Todo]:
  """Every ``raise TodoNotImplemented("ID")`` in the files, with its enclosing function."""
  found: list[Todo] = []
  for file in files:
    tree = ast.parse(file.read_text(), filename=str(file))
    for node in ast.walk(tree):
      if not isinstance(node, ast.FunctionDef | ast.ClassDef):
        continue
      for child in ast.walk(node):
        if (
          isinstance(child, ast.Raise)
          and _todo_id(child) is not None
          and _owner(tree, child) is node
        ):
          found.append(Todo(_todo_id(child), _qualname(tree, node), file, child.lineno))
  # one entry per (id, function), in file order
  order = {file: i for i, file in enumerate(files)}
  unique = {(t.todo_id, t.name): t for t in sorted(found, key=lambda t: (order[t.file], t.line))}
  return list(unique.values())


def _todo_id(node: ast.Raise) -> str | None:
  call = node.exc
  if (
    isinstance(call, ast.Call)
    and getattr(call.func, "id", getattr(call.func, "attr", None)) == "TodoNotImplemented"
    and call.args
    and isinstance(call.args[0], ast.Constant)
  ):
    return str(call.args[0].value)
  return None


def _owner(tree: ast.AST, target: ast.AST) -> ast.AST | None:
  """The innermost function (or class) that contains ``target``."""
  best = None
  for node in ast.walk(tree):
    contains = isinstance(node, ast.FunctionDef | ast.ClassDef) and any(
      c is target for c in ast.walk(node)
    )
    if contains and (best is None or any(c is node for c in ast.walk(best))):
      best = node
  return best


def _qualname(tree: ast.AST, func: ast.AST) -> str:
  for node in ast.walk(tree):
    if isinstance(node, ast.ClassDef) and func in node.body:
      return f"{node.name}.{func.name}"
  return func.name
