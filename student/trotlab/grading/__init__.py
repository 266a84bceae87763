"""Grading, shared by the grader and `uv run check`: the TODO registry, the probes and the judge,
the public cases, and the side of the grader's sandboxed children (the term-check, training and
notebook processes and their protocols)."""
