"""Physics: the Simulation and its backends. Only this package knows which backend runs.

The rest of the framework goes through ``Simulation`` (state tensors, staged state writes,
``physics_state`` for the grader's re-play, per-env model fields) and ``trotlab.sim.choice``
(--device and --sim-backend resolved into a SimulationCfg); none of it touches a backend object.
State writes are staged: the envs written since the last step are forwarded once, when their
sensors are first read (trotlab.sim.simulation says why and how).
"""

from trotlab.sim.backend import EnvIds
from trotlab.sim.config import SimulationCfg
from trotlab.sim.simulation import Simulation

__all__ = ["EnvIds", "Simulation", "SimulationCfg"]
