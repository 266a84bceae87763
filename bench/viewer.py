"""The viser viewer's frame rate and the simulation's real-time factor, with a browser connected.

  uv run python -m bench.viewer --num-envs 64 --seconds 40 \\
      --checkpoint-file autograder/hidden/reference_policy.pt --screenshot docs/viser_viewer.png

Starts `play --viewer viser` as a student would (the reference MDP, the given checkpoint),
opens the page in headless Chromium (Debian's, through playwright), steers the selected env
forward at 0.5 m/s with the vx slider, and reads the viewer's own report lines ("[viewer] 1.00x
real time, 30 frames/s, 64 envs", every 5 s). Prints their median and appends a row to
docs/data/viewer.jsonl; --screenshot saves the page (a walking Go1, the plots, the sliders).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = re.compile(r"\[viewer\] ([\d.]+)x real time, (\d+) frames/s, (\d+) envs")


def drag_slider(page, label: str, fraction: float) -> None:
  """Drag the thumb of the slider labelled ``label`` by ``fraction`` of its track."""
  row = page.locator("label", has_text=label).locator("xpath=ancestor::*[.//*[@role='slider']][1]")
  box = row.get_by_role("slider").bounding_box()
  track = row.locator(".mantine-Slider-root").bounding_box()
  x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
  page.mouse.move(x, y)
  page.mouse.down()
  page.mouse.move(x + fraction * track["width"], y, steps=10)
  page.mouse.up()


def main(argv: list[str] | None = None) -> None:
  parser = argparse.ArgumentParser(
    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
  )
  parser.add_argument("--num-envs", type=int, default=64)
  parser.add_argument("--seconds", type=float, default=40.0)
  parser.add_argument("--checkpoint-file", type=Path, default=None)
  parser.add_argument("--screenshot", type=Path, default=None)
  parser.add_argument("--port", type=int, default=8097)
  parser.add_argument("--label", default="idle")
  args = parser.parse_args(argv)
  from playwright.sync_api import sync_playwright

  agent = (
    ["--checkpoint-file", str(args.checkpoint_file)]
    if args.checkpoint_file
    else ["--agent", "zero"]
  )
  command = [
    sys.executable,
    "-m",
    "trotlab.scripts.play",
    "Mjlab-Velocity-Flat-Unitree-Go1",
    *agent,
  ]
  command += ["--mdp", "solutions", "--viewer", "viser", "--port", str(args.port)]
  command += ["--num-envs", str(args.num_envs), "--viewer-seconds", str(args.seconds + 60)]
  proc = subprocess.Popen(
    command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
  )
  lines: list[str] = []
  for line in proc.stdout:
    lines.append(line)
    if "open http://localhost" in line:
      break
  chromium = shutil.which("chromium") or shutil.which("chromium-browser")
  with sync_playwright() as p:
    browser = p.chromium.launch(
      executable_path=chromium,
      headless=True,
      args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://localhost:{args.port}")
    page.wait_for_selector("canvas", timeout=60_000)
    page.locator("label", has_text="vx [m/s]").wait_for(timeout=60_000)
    drag_slider(page, "vx [m/s]", 0.25)  # +0.5 m/s
    time.sleep(args.seconds)
    if args.screenshot is not None:
      args.screenshot.parent.mkdir(parents=True, exist_ok=True)
      page.screenshot(path=str(args.screenshot))
    browser.close()
  proc.terminate()
  out, _ = proc.communicate(timeout=60)
  lines += out.splitlines(keepends=True)
  reports = [REPORT.search(line) for line in lines]
  reports = [(float(m[1]), int(m[2])) for m in reports if m][1:]  # the first spans the start-up
  if not reports:
    raise SystemExit("no report line from the viewer:\n" + "".join(lines[-30:]))
  factor = statistics.median(r[0] for r in reports)
  fps = statistics.median(r[1] for r in reports)
  row = {
    "label": args.label,
    "num_envs": args.num_envs,
    "reports": len(reports),
    "real_time_factor": factor,
    "frames_per_s": fps,
  }
  with (ROOT / "docs" / "data" / "viewer.jsonl").open("a") as f:
    f.write(json.dumps(row) + "\n")
  print(
    f"[bench viewer] {args.num_envs} envs: median {factor:.2f}x real time, {fps:.0f} frames/s ({len(reports)} reports of 5 s)"
  )


if __name__ == "__main__":
  main()
