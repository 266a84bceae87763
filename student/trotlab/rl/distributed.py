"""Training with several processes: torch.distributed through rsl-rl-lib's multi-GPU path.

``train --num-processes N`` (CPU) or ``train --gpu-ids 0 1 ...`` (one process per GPU) re-runs
itself under torchrun (``torch.distributed.run``): every process steps its own envs with its own
seed (the run's seed + its rank), PPO averages the gradients of all of them at each update
(rsl-rl's ``reduce_parameters``) after rank 0's networks were broadcast to all, and only rank 0
logs, saves checkpoints and exports. rsl-rl initialises NCCL for GPUs; on a CPU this module sets
up the same process group with gloo (rsl-rl's own set-up asks for a CUDA device per rank), and
each process gets its share of the cores for torch and MuJoCo's pool.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import torch


@dataclasses.dataclass(frozen=True)
class World:
  """This process's place among the training processes (torchrun's environment variables)."""

  rank: int = 0
  local_rank: int = 0
  size: int = 1

  @classmethod
  def current(cls) -> World:
    """The world torchrun set up, or a world of one."""
    return cls(
      rank=int(os.environ.get("RANK", "0")),
      local_rank=int(os.environ.get("LOCAL_RANK", "0")),
      size=int(os.environ.get("WORLD_SIZE", "1")),
    )


def launch(argv: list[str], processes: int, gpu_ids: tuple[int, ...] = ()) -> int:
  """Run ``python -m trotlab.scripts.train ARGV`` as ``processes`` processes under torchrun on
  this machine (``gpu_ids``: their GPUs, one each); return torchrun's exit code."""
  env = dict(os.environ)
  if gpu_ids:
    env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in gpu_ids)
  command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
  command += [f"--nproc-per-node={processes}", "-m", "trotlab.scripts.train", *argv]
  return subprocess.run(command, env=env).returncode


def init_cpu_group(world: World) -> dict:
  """Join the gloo process group of a CPU run; return rsl-rl's ``multi_gpu`` config for it."""
  if not torch.distributed.is_initialized():
    torch.distributed.init_process_group(backend="gloo", rank=world.rank, world_size=world.size)
  return {"global_rank": world.rank, "local_rank": world.local_rank, "world_size": world.size}


def cores_per_process(world: World) -> int:
  """A CPU process's share of the machine's cores (at least one)."""
  cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
  return max(1, (cores or 1) // world.size)


def parameters_agree(module: torch.nn.Module) -> bool:
  """Whether every process holds the same parameters as rank 0 (bit for bit): PPO's averaged
  updates keep them so. Call it in every process."""
  flat = torch.cat([p.detach().flatten().double().cpu() for p in module.parameters()])
  reference = flat.clone()
  torch.distributed.broadcast(reference, src=0)
  same = torch.tensor([float(torch.equal(flat, reference))])
  torch.distributed.all_reduce(same, op=torch.distributed.ReduceOp.MIN)
  return bool(same.item())
