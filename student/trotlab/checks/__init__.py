"""Term checks on canned states: the public self-check (uv run check) and, later, the grader."""
