"""The instructor repository's reference solutions (never part of the student kit).

Importable so that trotlab finds the reference MDP by its package name, ``solutions.velocity.mdp``
(trotlab.tasks.velocity.mdp.load_mdp("solutions")), wherever the repository is installed: the
editable install and the wheel both put this package on the path.
"""
