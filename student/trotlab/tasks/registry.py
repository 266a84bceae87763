"""Task registry: task id -> env config and agent config factories."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

_REGISTRY: dict[str, TaskSpec] = {}


@dataclasses.dataclass(frozen=True)
class TaskSpec:
  """A registered task: its id and the factories of its env and agent configs."""

  task_id: str
  env_cfg: Callable[..., Any]
  """env_cfg(play: bool, device: str, mdp: Mdp | None = None) -> ManagerBasedRlEnvCfg; ``mdp``: the
  terms (trotlab.tasks.velocity.mdp.load_mdp's value), None for the student's files."""
  agent_cfg: Callable[..., Any]
  """agent_cfg(device: str, warm_start: bool = True) -> RslRlRunnerCfg; ``warm_start``: the task's
  default start (its ``init_checkpoint``, if it has one), False: fresh networks."""
  description: str = ""


def register_task(spec: TaskSpec) -> None:
  """Register ``spec`` under its task id; ValueError if that id is already registered."""
  if spec.task_id in _REGISTRY:
    raise ValueError(f"Task {spec.task_id!r} is registered twice.")
  _REGISTRY[spec.task_id] = spec


def list_tasks() -> list[str]:
  """The ids of the registered tasks (the built-in ones included), sorted."""
  _load_builtin_tasks()
  return sorted(_REGISTRY)


def get_task(task_id: str) -> TaskSpec:
  """The TaskSpec registered as ``task_id``; KeyError (with the closest id and the registered
  ones) if there is none."""
  _load_builtin_tasks()
  if task_id not in _REGISTRY:
    import difflib

    close = difflib.get_close_matches(task_id, list(_REGISTRY), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise KeyError(
      f"Unknown task {task_id!r}.{hint} Registered tasks: {sorted(_REGISTRY)} (uv run list-envs)."
    )
  return _REGISTRY[task_id]


def _load_builtin_tasks() -> None:
  import trotlab.tasks.velocity.config.go1  # noqa: F401  (registers on import)
