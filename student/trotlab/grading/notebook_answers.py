"""The process that runs a submitted notebook's answers for the autograder (untrusted side).

  python -I -m trotlab.grading.notebook_answers JOB_DIR

The grader starts it in its sandbox. It runs no notebook and no kernel: the setup cell (the
grader's copy, not the student's) and then the student's answer cells (N<k>_answer) run as plain
Python in one namespace, each translated by IPython's transformer first (a magic becomes a call
that fails without a kernel). It then makes the calls the grader asks for and writes their
results as data. The tests never come here: they run in another process
(trotlab.grading.notebook_tests), which gets these results only.

JOB_DIR/job.json:
  {"setup": source, "answers": [{"grade_id", "source"}], "calls": [encoded call, ...],
   "timeout_s": float}
JOB_DIR/out/answers.json (rewritten after every cell and call, so a killed run keeps what it had):
  {"cell_errors": {grade_id: "Name: message"},
   "results": {call_key: {"value": encoded} | {"error": "Name: message"}}}
Encoding: trotlab.grading.notebook_calls. A cell or call that runs longer than timeout_s is
stopped with a TimeoutError (SIGALRM).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

from trotlab.grading import notebook_calls

MAX_VALUE_CHARS = 100_000
"""A result larger than this as JSON is refused (the tests' values are a few numbers)."""


class AnswerTimeout(Exception):
  """An answer cell or call ran past its time limit (raised from the SIGALRM handler)."""

  pass


def _on_alarm(signum, frame):
  raise AnswerTimeout


def describe(err: BaseException, timeout_s: float) -> str:
  """``err`` as "Name: message" (cut to notebook_calls.MAX_MESSAGE) for answers.json; a timeout
  as a TimeoutError that names ``timeout_s``."""
  if isinstance(err, AnswerTimeout):
    limit = "the time limit per cell or call"
    return f"TimeoutError: ran longer than {timeout_s:g} s and was stopped ({limit})"
  return f"{type(err).__name__}: {err}"[: notebook_calls.MAX_MESSAGE]


def run_limited(timeout_s: float, func, *args, **kwargs) -> Any:
  """func(*args, **kwargs), stopped by AnswerTimeout after timeout_s."""
  signal.setitimer(signal.ITIMER_REAL, timeout_s)
  try:
    return func(*args, **kwargs)
  finally:
    signal.setitimer(signal.ITIMER_REAL, 0)


def python_source(cell_source: str) -> str:
  """A cell's source as plain Python (IPython's own translation of magics and shell escapes)."""
  from IPython.core.inputtransformer2 import TransformerManager

  return TransformerManager().transform_cell(cell_source)


def main(job_dir: Path) -> int:
  """Run the job in ``job_dir``: the setup, the answer cells, then the calls, writing
  out/answers.json after each (see the module docstring); returns 0."""
  job = json.loads((job_dir / "job.json").read_text())
  timeout_s = float(job["timeout_s"])
  out = job_dir / "out"
  out.mkdir(exist_ok=True)
  state: dict[str, dict] = {"cell_errors": {}, "results": {}}

  def save() -> None:
    """Write ``state`` to out/answers.json whole (a .part file, then renamed over it)."""
    partial = out / "answers.json.part"
    partial.write_text(json.dumps(state))
    partial.replace(out / "answers.json")

  signal.signal(signal.SIGALRM, _on_alarm)
  scope: dict[str, Any] = {"__name__": "__notebook__"}
  exec(compile(job["setup"], "<setup>", "exec"), scope)  # the grader's copy of the setup cell
  for cell in job["answers"]:
    grade_id = str(cell["grade_id"])
    try:
      code = compile(python_source(str(cell["source"])), f"<{grade_id}>", "exec")
      run_limited(timeout_s, exec, code, scope)
    except BaseException as err:  # noqa: BLE001  (the student's error is this cell's result)
      state["cell_errors"][grade_id] = describe(err, timeout_s)
    save()
  for call in job["calls"]:
    key = notebook_calls.call_key(call)
    function = scope.get(call["name"])
    if not callable(function):
      state["results"][key] = {"error": f"NameError: no function {call['name']} is defined"}
      save()
      continue
    try:
      args = notebook_calls.decode(call["args"])
      kwargs = notebook_calls.decode(call["kwargs"])
      value = notebook_calls.encode(run_limited(timeout_s, function, *args, **kwargs))
      if len(json.dumps(value)) > MAX_VALUE_CHARS:
        raise notebook_calls.Unencodable(f"a value of more than {MAX_VALUE_CHARS} characters")
      state["results"][key] = {"value": value}
    except notebook_calls.Unencodable as err:
      state["results"][key] = {"error": f"TypeError: returned {err}, which the tests cannot use"}
    except BaseException as err:  # noqa: BLE001
      state["results"][key] = {"error": describe(err, timeout_s)}
    save()
  print(f"answers.json written: {len(state['results'])} calls", flush=True)
  return 0


if __name__ == "__main__":
  sys.exit(main(Path(sys.argv[1])))
