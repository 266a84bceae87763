"""--device auto uses a GPU only when MuJoCo Warp works there: the self-test runs for real, here
with Warp's CPU device standing in for the GPU (no GPU on CI), once passing and once failing a
real step (a contact buffer too small for the Go1: MuJoCo Warp raises)."""

from __future__ import annotations

import time

from trotlab.sim import self_test
from trotlab.sim.choice import choose_auto_device, resolve_device


def test_no_gpu_means_the_cpu_without_a_test(capsys):
  assert choose_auto_device(None) == "cpu"
  assert capsys.readouterr().out == ""


def test_the_physics_off_the_gpu_needs_no_self_test(capsys, monkeypatch):
  def no_test(*args, **kwargs):
    raise AssertionError("the self-test ran although the physics stays on the CPU")

  monkeypatch.setattr(self_test, "warp_self_test", no_test)
  assert choose_auto_device("cuda:0", sim_backend="cpu") == "cuda:0"


def test_a_device_that_passes_the_self_test_is_chosen(capsys):
  start = time.perf_counter()
  assert choose_auto_device("cpu", sim_backend="auto") == "cpu"
  print(f"self-test on Warp's CPU device: {time.perf_counter() - start:.1f} s")
  assert "--device auto" not in capsys.readouterr().out


def test_a_device_that_fails_its_step_falls_back_to_the_cpu_saying_why(capsys):
  """MuJoCo Warp's step really fails (its contact buffer overflows): auto trains on the CPU and
  says so in one line, with the failure's own message."""
  assert choose_auto_device("cpu", sim_backend="auto", nconmax=1) == "cpu"
  printed = capsys.readouterr().out.strip()
  assert "\n" not in printed
  assert printed.startswith("[trotlab] --device auto: using the CPU, not cpu: MuJoCo Warp failed")
  assert "raise SimulationCfg.nconmax" in printed, printed


def test_an_explicit_gpu_is_not_second_guessed():
  """--device cuda keeps failing loudly where there is none (no silent fallback)."""
  import pytest
  import torch

  if torch.cuda.is_available():
    pytest.skip("a GPU is visible here")
  with pytest.raises(SystemExit, match="no CUDA device is visible"):
    resolve_device("cuda:0")
