"""trotlab's autograder and instructor tools (run from the repository root)."""
