"""The protocol between the grader and its sandboxed term-check child: every name both sides use.

A job folder (JOB_DIR) holds, written by the grader (trusted):
  job.json              {"tasks": [task, ...]}; a task: {"todo", "kind", "file", "name",
                        "assignment", "cases": [{"id", "num_envs", "params", "inputs",
                        "names"}]} (``job``, ``task``, ``job_case``); "assignment": whose
                        canned env its cases run in; "inputs" is a path relative to JOB_DIR or
                        null; "names": the name set of the case's canned env
  submission/<file>.py  the submission's five MDP files
  inputs/<case>.npz     a case's snapshot sequence (never the expected values)
and, written by the child (untrusted: the grader reads them with limits, numbers only):
  out/<todo>.started    before the TODO's first case (its time limit runs from here)
  out/<file>.loading    before importing a student file; out/<file>.loaded after
  out/<todo>.npz        the probe's arrays, keys "<case>/<field>" (``array_key``)
  out/<todo>.json       {"status": ok | todo | error | missing, "message", "case_errors": {case:
                        message}}
The child runs as ``python -m trotlab.grading.child JOB_DIR`` (``CHILD_MODULE``).

A case's parameters name the canned env's robot, sensors, command, action term and reward. A case
runs under one of two name sets (its ``names``, NAME_SETS): the canned names (``CANNED``, unlike
the task's) or the task's own. The public cases hold both, so that a term that writes a name
instead of reading its parameter fails one of them, whichever name it wrote.
"""

from __future__ import annotations

import dataclasses

from trotlab.grading.todos import Todo, assignment_of

IMPORT_FAILED = "failed to import"
"""The words of a file's import failure in its TODOs' messages ("rewards.py failed to import:
SyntaxError ..."); the grader lifts such messages into the submission's messages."""

CHILD_MODULE = "trotlab.grading.child"
JOB_FILE = "job.json"
SUBMISSION_DIR = "submission"
INPUTS_DIR = "inputs"
OUT_DIR = "out"
STARTED = ".started"
"""out/<todo>.started: the marker a TODO's start leaves."""
LOADING = ".loading"
"""out/<file>.loading: a student file's import began."""
LOADED = ".loaded"
"""out/<file>.loaded: ... and ended."""
STATUS = ".json"
"""out/<todo>.json: the TODO's status."""
ARRAYS = ".npz"
"""out/<todo>.npz: the probe's arrays."""


@dataclasses.dataclass(frozen=True)
class Names:
  """What a canned env calls its robot (scene entity), its feet's contact sensor (with air
  time), its trunk/hip/thigh/calf contact sensor, its velocity command, its joint-position action
  term, its one reward (action_rate_l2, for the reward-weight curriculum) and, on rough terrain
  (the second assignment's canned env), its height scans: the grid under the trunk and the rays
  under the feet."""

  robot: str
  feet_sensor: str
  nonfoot_sensor: str
  command: str
  action: str
  reward: str
  height_scan: str
  feet_scan: str


CANNED = Names(
  robot="go1",
  feet_sensor="foot_contacts",
  nonfoot_sensor="body_contacts",
  command="base_twist",
  action="legs",
  reward="smooth_actions",
  height_scan="ground_grid",
  feet_scan="ground_under_feet",
)
"""The canned names: unlike the task's (trotlab.grading.canned.task_names)."""
NAME_SETS = ("canned", "task")
"""A case's ``names``: the canned env is built with CANNED's names or with the task's."""
TEXT_FIELDS = ("dtype", "device", "inputs_changed")
"""Outputs the child reports as text (np.str_ arrays); every other output must be numeric."""


def inputs_file(case: str) -> str:
  """Where a case's snapshot sequence goes, relative to JOB_DIR: inputs/<case>.npz."""
  return f"{INPUTS_DIR}/{case}.npz"


def out_file(stem: str, suffix: str) -> str:
  """The name in OUT_DIR of a TODO's (``stem``: its id) or a student file's (its name) output;
  ``suffix``: STARTED, LOADING, LOADED, STATUS or ARRAYS."""
  return f"{stem}{suffix}"


def array_key(case: str, field: str) -> str:
  """The key of a case's output field in out/<todo>.npz: "<case>/<field>"."""
  return f"{case}/{field}"


def split_array_key(key: str) -> tuple[str, str]:
  """(case, field) of an ``array_key``."""
  case, _, field = key.partition("/")
  return case, field


def check_name_set(names: str) -> str:
  """``names`` if it is one of NAME_SETS; ValueError otherwise."""
  if names not in NAME_SETS:
    raise ValueError(f"names: one of {NAME_SETS}, got {names!r}")
  return names


def job_case(
  case: str, num_envs: int, params: dict, inputs: str | None, names: str = "canned"
) -> dict:
  """``names``: one of NAME_SETS, the names of the canned env the case runs in."""
  check_name_set(names)
  return {"id": case, "num_envs": num_envs, "params": params, "inputs": inputs, "names": names}


def task(todo: Todo, cases: list[dict]) -> dict:
  """One TODO's entry in job.json: its id, kind, file, name and assignment, and its ``cases``
  (``job_case``'s)."""
  return {
    "todo": todo.todo,
    "kind": todo.kind,
    "file": todo.file,
    "name": todo.name,
    "assignment": assignment_of(todo.todo).name,
    "cases": cases,
  }


def job(tasks: list[dict]) -> dict:
  """The contents of job.json: {"tasks": tasks}."""
  return {"tasks": tasks}
