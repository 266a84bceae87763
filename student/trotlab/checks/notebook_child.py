"""The process that executes a submitted notebook for the autograder (untrusted side).

  python -I -m trotlab.checks.notebook_child JOB_DIR

The grader's notebook check (in the instructor's repository) starts it in its sandbox, so the
notebook's code, which runs in a Jupyter kernel started by this process, has the sandbox's user
and limits too. In JOB_DIR:

  in/notebook.ipynb    the notebook to run: the student's cells, the test cells restored by the
                       grader (hidden tests included); read, then deleted
  job.json             {"cell_timeout_s": float, "interrupt_grace_s": float}
  work/                the kernel's working folder
  out/executed.ipynb   written here: the notebook with every code cell's outputs

Each code cell runs with allow_errors (an error is the cell's output, the next cell runs). A cell
that runs past cell_timeout_s gets a TimeoutError output and the kernel is interrupted; if it is
not idle interrupt_grace_s later (the cell ignores SIGINT), the kernel is stopped and every later
code cell gets a "not run" error output, as after a kernel death. Outputs are cut to a size the
grader reads. The kernel talks to this process over Unix sockets in JOB_DIR (no TCP port). This
process never scores: the grader reads executed.ipynb as JSON and judges the test cells itself.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async
from traitlets.config import Config

MAX_TEXT_CHARS = 20_000
"""A stream output or an error's value is cut to its last MAX_TEXT_CHARS characters."""
MAX_TRACEBACK_LINES = 40
MAX_DATA_CHARS = 200_000
"""A display output (an image, HTML) larger than this keeps only its text/plain form."""


def error_output(ename: str, evalue: str) -> dict:
  return nbformat.v4.new_output(
    "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
  )


def _cut(text: str, size: int) -> str:
  return (
    text if len(text) <= size else f"[... {len(text) - size} characters cut ...]\n{text[-size:]}"
  )


def limit_outputs(cell) -> None:
  """Cut the cell's outputs in place (a flood of prints must not make an unreadable notebook)."""
  for output in cell.get("outputs", []):
    kind = output.get("output_type")
    if kind == "stream":
      text = output.get("text", "")
      output["text"] = _cut("".join(text) if isinstance(text, list) else str(text), MAX_TEXT_CHARS)
    elif kind == "error":
      output["evalue"] = _cut(str(output.get("evalue", "")), MAX_TEXT_CHARS)
      output["traceback"] = [
        _cut(str(line), MAX_TEXT_CHARS) for line in output.get("traceback", [])
      ][-MAX_TRACEBACK_LINES:]
    elif kind in ("display_data", "execute_result"):
      data = output.get("data", {})
      if len(json.dumps(data)) > MAX_DATA_CHARS:
        plain = data.get("text/plain", "")
        plain = "".join(plain) if isinstance(plain, list) else str(plain)
        output["data"] = {"text/plain": _cut(plain, MAX_TEXT_CHARS)}


async def _wait_idle(client: NotebookClient, grace_s: float) -> bool:
  """True when the kernel answers a request within grace_s (the interrupted cell has ended)."""
  msg_id = await ensure_async(client.kc.kernel_info())
  deadline = time.monotonic() + grace_s
  while (left := deadline - time.monotonic()) > 0:
    try:
      msg = await ensure_async(client.kc.shell_channel.get_msg(timeout=left))
    except Exception:  # noqa: BLE001  (queue.Empty: no reply in time)
      return False
    if msg.get("parent_header", {}).get("msg_id") == msg_id:
      return True
  return False


async def execute(nb, workdir: Path, cell_timeout_s: float, grace_s: float, log=print):
  """Run the notebook's code cells in a fresh python3 kernel (cwd ``workdir``), in place."""
  client = NotebookClient(
    nb,
    timeout=max(1, round(cell_timeout_s)),
    kernel_name="python3",
    allow_errors=True,
    interrupt_on_timeout=False,
    shutdown_kernel="immediate",
    startup_timeout=120,
    resources={"metadata": {"path": str(workdir)}},
    # Unix sockets in the job dir rather than TCP ports on localhost: nothing else connects.
    config=Config({"KernelManager": {"transport": "ipc", "ip": str(workdir.parent / "kernel")}}),
  )
  stopped = ""
  async with client.async_setup_kernel():
    for index, cell in enumerate(nb.cells):
      if cell.cell_type != "code" or not cell.source.strip():
        continue
      grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
      if stopped:
        cell.outputs = [error_output("NotRun", stopped)]
        continue
      start = time.monotonic()
      try:
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        status = "ok"
      except CellTimeoutError:
        status = "timeout"
        cell.outputs.append(
          error_output(
            "TimeoutError",
            f"the cell ran longer than {cell_timeout_s:g} s and was stopped (the time limit per cell)",
          )
        )
        await ensure_async(client.km.interrupt_kernel())
        if not await _wait_idle(client, grace_s):
          stopped = "not run: the kernel was stopped after an earlier cell ran over its time limit"
      except DeadKernelError:
        status = "dead kernel"
        cell.outputs.append(
          error_output("DeadKernelError", "the kernel died running this cell (a memory limit?)")
        )
        stopped = "not run: the kernel died in an earlier cell"
      limit_outputs(cell)
      log(f"cell {index} {grade_id}: {status} ({time.monotonic() - start:.1f} s)", flush=True)
  return nb


def main(job_dir: Path) -> int:
  job = json.loads((job_dir / "job.json").read_text())
  source = job_dir / "in" / "notebook.ipynb"
  nb = nbformat.read(source, as_version=4)
  source.unlink()  # the hidden tests stay in this process's memory only
  workdir = job_dir / "work"
  workdir.mkdir(exist_ok=True)
  asyncio.run(execute(nb, workdir, float(job["cell_timeout_s"]), float(job["interrupt_grace_s"])))
  out = job_dir / "out"
  out.mkdir(exist_ok=True)
  partial = out / "executed.ipynb.part"
  nbformat.write(nb, partial)
  partial.replace(out / "executed.ipynb")
  print("executed.ipynb written", flush=True)
  return 0


if __name__ == "__main__":
  sys.exit(main(Path(sys.argv[1])))
