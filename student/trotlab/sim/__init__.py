"""Physics: the Simulation and its backends. Only this package knows which backend runs."""

from trotlab.sim.config import SimulationCfg
from trotlab.sim.simulation import Simulation

__all__ = ["Simulation", "SimulationCfg"]
