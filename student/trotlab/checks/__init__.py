"""The public self-check (uv run check): the grader's probes and judge on the public cases."""
