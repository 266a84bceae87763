"""The velocity task's reference. ``mdp/`` has no ``__init__.py`` on purpose (a namespace package):
it holds exactly the five files a submission holds, and tools copy it whole as a submission."""
