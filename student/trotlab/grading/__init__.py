"""Grading: the TODO registry, the judge and the public cases (shared by the grader and `uv run check`)."""
