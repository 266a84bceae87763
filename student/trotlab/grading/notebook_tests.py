"""The process that runs the notebook's test cells for the autograder (grader's code only).

  python -I -m trotlab.grading.notebook_tests JOB_DIR

Test cells call the answer functions (``pd_gains(2.0, 3.0, 0.5)``). Here those names are
stand-ins, in one of two modes:

- "record": the stand-ins call the reference's answers (the source notebook's solution cells)
  and note each call; out/calls.json lists the calls, for trotlab.grading.notebook_answers to
  make with the student's answers.
- "replay": the stand-ins return the student's results from answers.json (that process's
  output, read and checked by the grader) or raise the student's error; out/tests.json holds
  each test cell's verdict. A call whose arguments were not recorded (they came from an earlier
  answer that differs from the reference's) fails its test.

No student code runs in this process: a test's outcome cannot be changed by an answer, and an
answer cannot read a test.

JOB_DIR/job.json:
  {"mode": "record" | "replay", "setup": source, "functions": [name, ...],
   "answers": [{"grade_id", "source"}] (record), "results": answers.json's "results" (replay),
   "tests": [{"grade_id", "source"}]}
JOB_DIR/out/calls.json (record): {"calls": [encoded call, ...], "tests": {grade_id: verdict}}
JOB_DIR/out/tests.json (replay): {grade_id: verdict}; verdict: {"passed": bool, "error": str}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trotlab.grading import notebook_calls


class AnswerError(Exception):
  """The student's function raised, or returned what the tests cannot use, for this call."""


class NotRecorded(Exception):
  """A call the recording did not make: its arguments came from an earlier answer's value."""


def recorder(function: Callable, name: str, calls: list[dict]) -> Callable:
  """A stand-in for the answer function ``name``: notes each call, encoded, in ``calls`` and
  returns what ``function`` returns."""

  def stand_in(*args, **kwargs):
    """Record this call, then make it."""
    calls.append(notebook_calls.call(name, args, kwargs))
    return function(*args, **kwargs)

  return stand_in


def replayer(name: str, results: dict[str, dict]) -> Callable:
  """A stand-in for the answer function ``name``: returns the student's result for the same call
  from ``results``, raises AnswerError for their error, NotRecorded for a call not recorded."""

  def stand_in(*args, **kwargs):
    """The student's result for this call (decoded), or the matching exception."""
    try:
      key = notebook_calls.call_key(notebook_calls.call(name, args, kwargs))
    except notebook_calls.Unencodable as err:
      raise NotRecorded(f"{name} was called with {err}") from None
    if key not in results:
      raise NotRecorded(
        f"{name} was called with arguments computed from another of your answers, which "
        "differs from the reference's: fix that answer first"
      )
    result = results[key]
    if "error" in result:
      raise AnswerError(f"your {name} raised {result['error']}")
    return notebook_calls.decode(result["value"])

  return stand_in


def run_tests(tests: list[dict], scope: dict[str, Any]) -> dict[str, dict]:
  """Each test cell run in ``scope`` (in order, sharing it, as in the notebook)."""
  verdicts = {}
  for cell in tests:
    try:
      exec(compile(str(cell["source"]), f"<{cell['grade_id']}>", "exec"), scope)
      verdicts[cell["grade_id"]] = {"passed": True, "error": ""}
    except Exception as err:  # noqa: BLE001  (a failed test; the message holds no test source)
      message = f"{type(err).__name__}: {err}".rstrip(": ")
      verdicts[cell["grade_id"]] = {"passed": False, "error": message[: notebook_calls.MAX_MESSAGE]}
  return verdicts


def main(job_dir: Path) -> int:
  """Run the job in ``job_dir`` (see the module docstring) and write its out file; returns 0."""
  job = json.loads((job_dir / "job.json").read_text())
  scope: dict[str, Any] = {"__name__": "__notebook__"}
  exec(compile(job["setup"], "<setup>", "exec"), scope)
  out = job_dir / "out"
  out.mkdir(exist_ok=True)
  if job["mode"] == "record":
    for cell in job["answers"]:
      exec(compile(cell["source"], f"<{cell['grade_id']}>", "exec"), scope)
    calls: list[dict] = []
    for name in job["functions"]:
      scope[name] = recorder(scope[name], name, calls)
    verdicts = run_tests(job["tests"], scope)
    (out / "calls.json").write_text(json.dumps({"calls": calls, "tests": verdicts}))
  else:
    results = job["results"]
    for name in job["functions"]:
      scope[name] = replayer(name, results)
    (out / "tests.json").write_text(json.dumps(run_tests(job["tests"], scope)))
  return 0


if __name__ == "__main__":
  sys.exit(main(Path(sys.argv[1])))
