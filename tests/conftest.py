"""Shared builders: a Go1 scene with the feet contact sensor, on the CPU backend; the smoke
training check of a submission whose training child runs forged code."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from trotlab.assets.unitree_go1 import go1_constants
from trotlab.entity.config import EntityCfg
from trotlab.scene import Scene, SceneCfg
from trotlab.sensors.contact_sensor import ContactMatch, ContactSensorCfg
from trotlab.sim import SimulationCfg

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "velocity" / "mdp"
"""The reference's five MDP files: a submission that would score full points."""

TINY_TRAINING = [
  "--mdp",
  "solutions",
  "--env.scene.num-envs",
  "8",
  "--agent.num-steps-per-env",
  "8",
  "--agent.max-iterations",
  "2",
  "--agent.save-interval",
  "1",
  "--from-scratch",
  "True",
]
"""train's options for a 2-iteration run of the reference on 8 envs from fresh networks,
checkpoints at 0 and 1."""

FEET_CONTACT = ContactSensorCfg(
  primary=ContactMatch(mode="geom", pattern=r".*_foot_collision", entity="robot"),
  secondary=ContactMatch(mode="body", pattern="terrain"),
  track_air_time=True,
)


def make_scene(
  num_envs: int = 1, entity: EntityCfg | None = None, nthread: int | None = None, **scene_kwargs
) -> Scene:
  cfg = SceneCfg(
    num_envs=num_envs,
    entities={"robot": entity or go1_constants.go1_entity_cfg()},
    sensors={"feet_ground_contact": FEET_CONTACT},
    **scene_kwargs,
  )
  return Scene(cfg, SimulationCfg(nthread=nthread))


def quiet(*args) -> None:
  """A grader log that drops its lines."""


def training_check_of_forger(folder: Path, forge: str):
  """The smoke profile's training check of the reference's files with ``forge`` (Python source)
  appended to rewards.py: it runs when the training child imports the submission, before any
  training, so it can write its own outputs and exit. ``folder``: where the submission goes."""
  from autograder.training_check import PROFILES, run_training_check

  shutil.copytree(SOLUTIONS, folder)
  rewards = folder / "rewards.py"
  rewards.write_text(rewards.read_text() + "\n" + forge)
  return run_training_check(folder, PROFILES["smoke"], log=quiet)


@pytest.fixture(scope="module")
def reference_mdp():
  """The reference MDP (solutions/), for the task's ``env_cfg(..., mdp=reference_mdp)``."""
  from trotlab.tasks.velocity.mdp import load_mdp

  return load_mdp("solutions")


@pytest.fixture
def scene() -> Scene:
  return make_scene(num_envs=2)


def plant(folder: Path, attacks: dict) -> None:
  """Put each attack at the top of its function's body, in whichever MDP file of ``folder``
  defines it. ``attacks``: id -> (function, code, ...); the code's lines are relative to the
  body (its first line unindented), and are indented into it."""
  for path in folder.glob("*.py"):
    lines = path.read_text().splitlines(keepends=True)
    for function, attack, *_ in attacks.values():
      starts = [i for i, line in enumerate(lines) if line.startswith(f"def {function}(")]
      if not starts:
        continue
      i = starts[0]
      while not lines[i].rstrip().endswith(":"):  # the signature may span lines
        i += 1
      lines.insert(i + 1, textwrap.indent(textwrap.dedent(attack).strip() + "\n", "  "))
    path.write_text("".join(lines))
