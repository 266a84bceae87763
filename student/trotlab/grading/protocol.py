"""The protocol between the grader and its sandboxed term-check child: every name both sides use.

A job folder (JOB_DIR) holds, written by the grader (trusted):
  job.json              {"tasks": [task, ...]}; a task: {"todo", "kind", "file", "name",
                        "cases": [{"id", "num_envs", "params", "inputs"}]} (``job``, ``task``,
                        ``job_case``); "inputs" is a path relative to JOB_DIR or null
  submission/<file>.py  the submission's five MDP files
  inputs/<case>.npz     a case's snapshot sequence (never the expected values)
and, written by the child (untrusted: the grader reads them with limits, numbers only):
  out/<todo>.started    before the TODO's first case (its time limit runs from here)
  out/<file>.loading    before importing a student file; out/<file>.loaded after
  out/<todo>.npz        the probe's arrays, keys "<case>/<field>" (``array_key``)
  out/<todo>.json       {"status": ok | todo | error | missing, "message", "case_errors": {case:
                        message}}
The child runs as ``python -m trotlab.grading.child JOB_DIR`` (``CHILD_MODULE``).

A case's parameters name the canned env's robot, sensors, command and reward (``ROBOT`` ...
``REWARD``): names unlike the task's, so a term that ignores a name parameter and writes the
task's name ("robot", "twist", ...) fails.
"""

from __future__ import annotations

from trotlab.grading.todos import Todo

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
ROBOT = "go1"
"""The canned env's scene entity (the task: "robot")."""
FEET_SENSOR = "foot_contacts"
"""Its feet's contact sensor, with air time (the task: "feet_ground_contact")."""
NONFOOT_SENSOR = "body_contacts"
"""Trunk, hips, thighs and calves against the ground (the task: "nonfoot_ground_contact")."""
COMMAND = "base_twist"
"""Its scripted velocity command (the task: "twist")."""
ACTION = "legs"
"""Its joint-position action term (the task: "joint_pos")."""
REWARD = "smooth_actions"
"""Its one reward, action_rate_l2, for the reward-weight curriculum (the task: "action_rate")."""
TEXT_FIELDS = ("dtype", "device")
"""Outputs the child reports as text (np.str_ arrays); every other output must be numeric."""


def inputs_file(case: str) -> str:
  return f"{INPUTS_DIR}/{case}.npz"


def out_file(stem: str, suffix: str) -> str:
  """The name in OUT_DIR of a TODO's (``stem``: its id) or a student file's (its name) output;
  ``suffix``: STARTED, LOADING, LOADED, STATUS or ARRAYS."""
  return f"{stem}{suffix}"


def array_key(case: str, field: str) -> str:
  return f"{case}/{field}"


def split_array_key(key: str) -> tuple[str, str]:
  """(case, field) of an ``array_key``."""
  case, _, field = key.partition("/")
  return case, field


def job_case(case: str, num_envs: int, params: dict, inputs: str | None) -> dict:
  return {"id": case, "num_envs": num_envs, "params": params, "inputs": inputs}


def task(todo: Todo, cases: list[dict]) -> dict:
  return {
    "todo": todo.todo,
    "kind": todo.kind,
    "file": todo.file,
    "name": todo.name,
    "cases": cases,
  }


def job(tasks: list[dict]) -> dict:
  return {"tasks": tasks}
