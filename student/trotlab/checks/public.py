"""The public self-check: every TODO of one assignment of the selected MDP on the public cases,
judged as the grader judges.

The public cases (trotlab/grading/public_cases/*.npz) are recorded env states with the reference
MDP's outputs, visible to you. Each TODO runs through the same probe as in the grader
(trotlab.grading.child.run_task) and its outputs go through the same judge
(trotlab.grading.judge): shape, dtype, device, inputs left untouched, no dependence on other envs,
then the values. The grader adds other, hidden cases, never other rules.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from trotlab.grading import canned, child, protocol
from trotlab.grading.case_files import Case, load_public_cases
from trotlab.grading.judge import LABELS, TodoResult, judge_todo
from trotlab.grading.todos import BY_ID, Todo, assignment_of, check_assignment
from trotlab.tasks.velocity.mdp import Mdp
from trotlab.utils.todo import handout_of, scan_todos

STATUS_OF = {"todo": "TODO", "error": "error", "missing": "error", "crash": "error"}
"""Failure categories shown as TODO or error (an exception); every other one is a fail."""


@dataclasses.dataclass
class Result:
  todo: str
  name: str
  status: str
  """pass | fail | TODO | error"""
  detail: str = ""
  """What failed, in words: the mistake, the case (what its states show), where; may span
  lines."""


def _stub_locations(folder: Path, file_names: tuple[str, ...]) -> dict[str, str]:
  """TODO id -> "file.py:line" of its first untouched stub among ``folder``'s files
  ``file_names``."""
  files = [folder / f"{name}.py" for name in file_names if (folder / f"{name}.py").is_file()]
  try:
    found = scan_todos(files)
  except SyntaxError:  # the import reports it, with its line
    return {}
  where: dict[str, str] = {}
  for todo in found:
    where.setdefault(todo.todo_id, f"{todo.file.name}:{todo.line}")
  return where


def _summary(result: TodoResult, cases: dict[str, Case], stubs: dict[str, str]) -> Result:
  """The first failing case of a TODO, explained: the mistake's label and hint, the case and
  what its states show, the first mismatch (public cases show it)."""
  failed = [c for c in result.cases if not c.passed]
  if not failed:
    return Result(result.todo, result.name, "pass")
  first = failed[0]
  status = STATUS_OF.get(first.category, "fail")
  if status == "TODO" and result.todo in stubs:
    handout = handout_of(result.todo)
    detail = f"not implemented yet: fill in {stubs[result.todo]} ({handout}, section {result.todo})"
    return Result(result.todo, result.name, status, detail)
  label = LABELS.get(first.category, first.category)
  detail = first.message
  if status == "fail":
    named = first.message.startswith(label)
    detail = f"[{first.category}] " + (detail if named else f"{label}: {detail}")
  case = cases.get(first.case)
  if case is not None:
    description = case.describe(result.todo)
    description = f": {description}" if description else ""
    named = canned.describe_names(case.names, assignment_of(result.todo).name)
    detail += f"\ncase {first.case}{description}\n  named {named}"
  if status == "fail" and first.category not in RULE_CATEGORIES:
    detail += _parameter_hint(result, cases)
  return Result(result.todo, result.name, status, detail)


RULE_CATEGORIES = ("shape", "dtype", "device", "nan", "in_place", "leak", "reset")
"""Failures of a rule rather than of the values: parameters given other values cannot explain
them, so no parameter hint follows them."""


def _parameter_hint(result: TodoResult, cases: dict[str, Case]) -> str:
  """When one case fails and the others pass, the parameters that case gives other values than
  a passing one, with the rule each states (a value hard-coded where a parameter is given)."""
  failed = [c.case for c in result.cases if not c.passed]
  passed = [c.case for c in result.cases if c.passed]
  if len(failed) != 1 or not passed or BY_ID[result.todo].kind != "term":
    return ""
  mine = cases[failed[0]].todos.get(result.todo, {})
  others = [cases[name].todos.get(result.todo, {}) for name in passed]
  rules = BY_ID[result.todo].rules
  differ = [k for k in mine if k in rules and any(o.get(k) != mine[k] for o in others)]
  if not differ:
    return ""
  lines = [f"\n  {k} = {_short(mine[k])}: {rules[k]}" for k in differ]
  return (
    "\nthe other public cases pass; this one gives these parameters other values: does your "
    "code use each one as given?" + "".join(lines)
  )


def _short(value) -> str:
  if isinstance(value, dict) and "scene_entity" in value:
    value = value["scene_entity"]
  text = json.dumps(value) if not isinstance(value, float) else f"{value:g}"
  return text if len(text) <= 80 else text[:77] + "..."


def run_todos(folder: Path, cases: list[Case], todos: tuple[Todo, ...]) -> list[TodoResult]:
  """Probe and judge ``todos`` of the MDP files in ``folder`` on ``cases``, in this process."""
  by_name = {case.name: case for case in cases}
  tasks = [
    protocol.task(
      t,
      [
        protocol.job_case(c.name, c.num_envs, c.todos[t.todo], None, c.names)
        for c in cases
        if t.todo in c.todos
      ],
    )
    for t in todos
  ]
  envs = child.build_envs(protocol.job(tasks))
  sub = child.Submission(folder)

  def load_inputs(case: dict) -> dict | None:
    inputs = by_name[case["id"]].inputs
    return {key: value.copy() for key, value in inputs.items()} or None

  results = []
  for spec, task in zip(todos, tasks, strict=True):
    status, arrays = child.run_task(task, sub, load_inputs, envs)
    per_case: dict[str, dict] = {}
    for key, value in arrays.items():
      case, field = protocol.split_array_key(key)
      per_case.setdefault(case, {})[field] = value
    mine = [by_name[c["id"]] for c in task["cases"]]
    results.append(judge_todo(spec.todo, spec.points, mine, status, per_case))
  return results


def run_public_checks(mdp: Mdp, assignment: str = "flat") -> list[Result]:
  """Check every TODO of ``assignment`` (trotlab.grading.todos.ASSIGNMENTS) in ``mdp`` (its
  files, read afresh from ``mdp.folder``) against the public cases of those TODOs."""
  folder, todos = mdp.folder, check_assignment(assignment).todos
  ids = {t.todo for t in todos}
  cases = [c for c in load_public_cases() if ids & set(c.todos)]
  by_name = {c.name: c for c in cases}
  stubs = _stub_locations(folder, check_assignment(assignment).files)
  return [_summary(r, by_name, stubs) for r in run_todos(folder, cases, todos)]
