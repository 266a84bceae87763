"""nbgrader's configuration for the course's notebooks (this folder is nbgrader's course root).

Instructors usually go through the kit's tools: `uv run release OUT/` generates the student
notebook (nbgrader generate_assignment) and the grader autogrades a submitted one
(autograder/notebook.py). By hand, from this folder:

  uv run nbgrader generate_assignment go1_velocity --force   # -> release/go1_velocity/
  uv run nbgrader autograde go1_velocity                     # submitted/<student>/go1_velocity/

The gradebook (gradebook.db) and nbgrader's output folders are not version controlled.
"""

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "trotlab"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
# What a solution region becomes in the student version.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# `nbgrader autograde` by hand runs the notebook with NBGRADER_EXECUTION set, which skips
# training and videos (the kit's grader runs no kernel: autograder/notebook.py).
c.Execute.timeout = 300
