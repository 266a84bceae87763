"""uv run list-envs: the registered tasks."""

from trotlab.tasks import get_task, list_tasks


def main() -> None:
  for task in list_tasks():
    print(f"{task}: {get_task(task).description}")


if __name__ == "__main__":
  main()
