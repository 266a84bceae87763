"""`play --wandb-run-path ENTITY/PROJECT/RUN_ID`: the newest checkpoint of a Weights & Biases run.

rsl-rl's wandb writer uploads each model_<it>.pt of a run (and the kit its params/*.yaml); this
downloads the newest model and the params to logs/rsl_rl/wandb/<ENTITY>_<PROJECT>_<RUN_ID>/ so
that play reads it like a local run. Without the wandb package, network or credentials it stops
with a message naming the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

MODEL = re.compile(r"(?:.*/)?model_(\d+)\.pt")
PARAMS = ("params/agent.yaml", "params/env.yaml")


def fetch_wandb_checkpoint(run_path: str, log_root: Path) -> Path:
  """Download the newest model_<it>.pt of the wandb run ``run_path`` (and its params) under
  ``log_root``/wandb/; return the checkpoint's path. SystemExit with the fix on any failure."""
  if run_path.count("/") != 2 or not all(run_path.split("/")):
    raise SystemExit(
      f"error: --wandb-run-path {run_path!r}: give ENTITY/PROJECT/RUN_ID (the run's page address"
      " on wandb.ai ends with them)"
    )
  try:
    import wandb
  except ImportError:
    raise SystemExit(
      "error: --wandb-run-path needs the wandb package: `uv sync --group wandb` (on Colab: `pip"
      " install wandb`)"
    ) from None
  try:
    run = wandb.Api(timeout=30).run(run_path)
    files = list(run.files())
  except Exception as err:  # no network, no credentials, no such run: all the same fix
    raise SystemExit(
      f"error: could not read the wandb run {run_path} ({type(err).__name__}: {err}). It needs"
      " network access and your credentials (`wandb login`, or WANDB_API_KEY), and the run's"
      " ENTITY/PROJECT/RUN_ID"
    ) from None
  models = [f for f in files if MODEL.fullmatch(f.name)]
  if not models:
    raise SystemExit(
      f"error: the wandb run {run_path} holds no model_<it>.pt (did it log with wandb?)"
    )
  newest = max(models, key=lambda f: int(MODEL.fullmatch(f.name)[1]))
  folder = log_root / "wandb" / run_path.replace("/", "_")
  for file in [newest, *(f for f in files if f.name in PARAMS)]:
    file.download(root=str(folder), replace=True)
  print(f"[play] downloaded {newest.name} of the wandb run {run_path} to {folder}")
  return folder / newest.name
