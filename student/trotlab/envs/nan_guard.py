"""The NaN guard (``train --enable-nan-guard``): stop at the first NaN or inf, and say where.

After every env step it looks, in this order, at the policy's actions, each reward term's
contribution, the physics state (qpos, qvel) and each observation group. At the first
non-finite value it writes the offending envs' state to ``<run>/nan_guard.npz`` and raises
NonFiniteValue, whose message names the iteration, the env step, the env ids and the term (for
an observation group, each term of the group that is not finite, computed again). A student's
reward that divides by zero is then found at its first step, not after a diverged run.

nan_guard.npz: env_ids (K,), qpos (K, nq), qvel (K, nv), actions (K, A), reward_terms (K, R)
with reward_names (R,), and obs/<group> (K, d) for every concatenated observation group.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv

STATE_FILE = "nan_guard.npz"


class NonFiniteValue(RuntimeError):
  """A NaN or inf in an action, a reward term, the physics state or an observation."""


def _bad_rows(value: torch.Tensor) -> torch.Tensor:
  """Env ids (the first axis) whose entries are not all finite."""
  return (~torch.isfinite(value.reshape(value.shape[0], -1))).any(dim=1).nonzero().flatten()


@dataclasses.dataclass
class NanGuard:
  env: ManagerBasedRlEnv
  out_dir: Path
  """Where nan_guard.npz goes (the run folder)."""
  steps_per_iteration: int
  """Env steps per PPO iteration (the runner's num_steps_per_env), to name the iteration."""

  def check(self, actions: torch.Tensor, obs: dict) -> None:
    """Raise NonFiniteValue at the first non-finite value of the step just taken with
    ``actions`` (num_envs, A), which returned ``obs`` ({group: tensor})."""
    manager = self.env.reward_manager
    # (what, value, observation group or None): checked in this order, the first one stops
    checks: list[tuple[str, torch.Tensor, str | None]] = [("the policy's actions", actions, None)]
    for i, name in enumerate(manager.active_terms):
      func = manager.get_term_cfg(name).func.__name__
      checks.append((f"reward term {name!r} ({func})", manager.step_reward[:, i], None))
    checks.append(("the physics state (qpos)", self.env.sim.qpos, None))
    checks.append(("the physics state (qvel)", self.env.sim.qvel, None))
    for group, value in obs.items():
      if isinstance(value, torch.Tensor):
        checks.append((f"observation group {group!r}", value, group))
    for what, value, group in checks:
      rows = _bad_rows(value)
      if len(rows):
        if group is not None:
          what += self._observation_terms(group, rows)
        self._stop(what, rows, actions, obs)

  def _observation_terms(self, group: str, rows: torch.Tensor) -> str:
    """': term(s) ...' of ``group`` that are not finite in ``rows`` (computed again)."""
    terms = self.env.observation_manager.compute_group_terms(group)
    bad = [name for name, value in terms.items() if len(_bad_rows(value[rows]))]
    return f", term {', '.join(map(repr, bad))}" if bad else ""

  def _stop(self, what: str, rows: torch.Tensor, actions: torch.Tensor, obs: dict) -> None:
    step = self.env.common_step_counter
    iteration = (step - 1) // self.steps_per_iteration
    arrays = {
      "env_ids": rows.cpu().numpy(),
      "qpos": self.env.sim.qpos[rows].cpu().numpy(),
      "qvel": self.env.sim.qvel[rows].cpu().numpy(),
      "actions": actions[rows].detach().cpu().numpy(),
      "reward_terms": self.env.reward_manager.step_reward[rows].cpu().numpy(),
      "reward_names": np.asarray(self.env.reward_manager.active_terms),
    }
    for group, value in obs.items():
      if isinstance(value, torch.Tensor):
        arrays[f"obs/{group}"] = value[rows].detach().cpu().numpy()
    self.out_dir.mkdir(parents=True, exist_ok=True)
    path = self.out_dir / STATE_FILE
    np.savez(path, **arrays)
    ids = rows.tolist()
    shown = ", ".join(map(str, ids[:10])) + (f", ... ({len(ids)} envs)" if len(ids) > 10 else "")
    raise NonFiniteValue(
      f"NaN or inf in {what} at iteration {iteration}, env step {step}, envs [{shown}];"
      f" their state is in {path}"
    )
