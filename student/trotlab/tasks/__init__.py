"""Tasks: the registry and the Go1 velocity-tracking task."""

from trotlab.tasks.registry import TaskSpec, get_task, list_tasks, register_task

__all__ = ["TaskSpec", "get_task", "list_tasks", "register_task"]
