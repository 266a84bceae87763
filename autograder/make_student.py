"""Generate the student stubs from the reference MDP (instructor tool).

  uv run python -m autograder.make_student           # rewrite student/trotlab/tasks/velocity/mdp/
  uv run python -m autograder.make_student --check   # exit 1 if the committed stubs are stale

solutions/velocity/mdp/*.py is the single source (both assignments' files). Every region between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (nbgrader's markers) becomes ``raise TodoNotImplemented("<id>")`` at the
marker's indentation, where <id> is the nearest ``TODO(<id>)`` above the region (the docstring of
the function, or of the class for a stateful term). Signatures, docstrings and hints stay. Each
file's TODO ids must be those the registry (trotlab.grading.todos) gives it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from trotlab.grading import todos

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"
STUDENT = ROOT / "student" / "trotlab" / "tasks" / "velocity" / "mdp"
FILES = todos.FILES + todos.LATER_FILES
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
TODO_RE = re.compile(r"TODO\((?P<id>[A-Z]\d+)\)")
HEADER = (
  "# Your work: TODOs {ids}.\n"
  "# Replace each `raise TodoNotImplemented(...)` with code that does what the docstring above it\n"
  "# says; {handout} has a section per TODO, `{check}` tells you which pass.\n"
  "# Generated from the course's reference MDP with its solutions taken out: keep the signatures.\n"
)
"""The stub's first lines (the file's assignment gives the handout and the check). Only what a
student's kit holds: the reference and this tool are the instructor's, so the header names
neither by path."""


def header(ids: list[str]) -> str:
  """A stub's header for its TODO ids (all of one assignment)."""
  assignment = todos.assignment_of(ids[0]) if ids else todos.FIRST
  return HEADER.format(
    ids=", ".join(ids) or "none", handout=assignment.handout, check=assignment.check_command
  )


def make_stub(source: str, filename: str = "<source>") -> str:
  """The student version of one solution file."""
  out: list[str] = []
  todo_id: str | None = None
  ids: list[str] = []  # the file's TODO ids in file order, for the header
  inside = False
  for number, line in enumerate(source.splitlines(keepends=True), start=1):
    stripped = line.strip()
    if stripped == BEGIN:
      if inside:
        raise ValueError(f"{filename}:{number}: nested {BEGIN}")
      if todo_id is None:
        raise ValueError(f"{filename}:{number}: solution region without a TODO(<id>) above it")
      indent = line[: len(line) - len(line.lstrip())]
      out.append(f'{indent}raise TodoNotImplemented("{todo_id}")\n')
      if todo_id not in ids:  # R7's class has three regions, one id
        ids.append(todo_id)
      inside = True
      continue
    if stripped == END:
      if not inside:
        raise ValueError(f"{filename}:{number}: {END} without {BEGIN}")
      inside = False
      continue
    if inside:
      continue
    match = TODO_RE.search(line)
    if match:
      todo_id = match.group("id")
    out.append(line)
  if inside:
    raise ValueError(f"{filename}: {BEGIN} without {END}")
  return header(ids) + "".join(out)


def generate() -> dict[Path, str]:
  """Every stub, by path. Raises ValueError when a solution file's TODO ids (in file order) are
  not the registry's (trotlab.grading.todos) for that file."""
  out = {}
  for name in FILES:
    stub = make_stub((SOLUTIONS / f"{name}.py").read_text(), f"{name}.py")
    registered = [t.todo for t in todos.BY_ID.values() if t.file == name]
    if not stub.startswith(header(registered)):
      raise ValueError(
        f"{name}.py: its TODO ids ({stub.splitlines()[0]}) are not the registry's {registered}"
      )
    out[STUDENT / f"{name}.py"] = stub
  return out


def main(argv: list[str] | None = None) -> int:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("--check", action="store_true", help="only report stale stubs (exit 1)")
  args = parser.parse_args(argv)
  stale = []
  for path, text in generate().items():
    if path.exists() and path.read_text() == text:
      continue
    stale.append(path)
    if not args.check:
      path.write_text(text)
      print(f"wrote {path.relative_to(ROOT)}")
  if args.check and stale:
    print(
      "stale stubs (run `uv run python -m autograder.make_student`):",
      *[str(p.relative_to(ROOT)) for p in stale],
      sep="\n  ",
    )
    return 1
  if not stale:
    print("student stubs are up to date")
  return 0


if __name__ == "__main__":
  sys.exit(main())
