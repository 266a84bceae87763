"""The class at a glance: one self-contained HTML page from a batch's reports.

``grade.py report GRADES.csv [--names]`` (and every batch run, at its end) writes
``GRADES_report.html`` beside the CSV: the score histograms (total, terms, training, notebook);
per TODO the share of students with full points and the most frequent mistake categories, each
TODO linking to its handout section; per training phase the pass rate and the students' mean
errors against the pass rule's limits; the students whose training check or notebook did not
run, with the reason; the grader's settings and how long the batch took. The plots are PNGs
inside the page (no network, opens from disk).

What it never shows: a case's inputs or expected values (only TODO ids, mistake categories and
counts, which the students' own feedback already names), and students' ids unless ``--names``.
"""

from __future__ import annotations

import base64
import collections
import html
import io
import json
import re
import statistics
from pathlib import Path


def handout_anchor(heading: str) -> str:
  """GitHub's anchor of a Markdown heading's text: lower case, punctuation dropped, spaces as
  hyphens ("R1 — track_linear_velocity (7 points)" -> "r1--track_linear_velocity-7-points")."""
  text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
  return text.replace(" ", "-")


def todo_links(handout: Path, base_url: str) -> dict[str, str]:
  """{TODO id: link to its section}, from the handout's "### <id> — <name> (...)" headings
  (none where the handout is not there)."""
  links = {}
  if not handout.is_file():  # a grader without the handouts: no links
    return links
  for line in handout.read_text().splitlines():
    found = re.match(r"^### (\w+) — (.*)$", line)
    if found:
      links[found[1]] = f"{base_url}#{handout_anchor(line[4:])}"
  return links


def _png(figure) -> str:
  """A matplotlib figure as an <img> with the PNG inside the page."""
  buffer = io.BytesIO()
  figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
  data = base64.b64encode(buffer.getvalue()).decode()
  return f'<img alt="plot" src="data:image/png;base64,{data}">'


def score_histograms(reports: list[dict]) -> str:
  """Histograms of the total and of each part's score over the graded students (the parts the
  batch graded)."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  parts = {
    "total": [(r["score"], r["max_score"]) for r in reports],
    "terms": [
      (sum(t["score"] for t in r["terms"]), sum(t["max_score"] for t in r["terms"]))
      for r in reports
      if r["terms"]
    ],
    "training": [
      (r["training"]["score"], r["training"]["max_score"]) for r in reports if r["training"]
    ],
    "notebook": [
      (
        sum(v["score"] or 0.0 for v in r["notebook"].values()),
        sum(v["max_score"] for v in r["notebook"].values() if v["score"] is not None),
      )
      for r in reports
      if r["notebook"]
    ],
  }
  parts = {name: values for name, values in parts.items() if values}  # parts this batch graded
  figure, axes = plt.subplots(1, len(parts), figsize=(3.5 * len(parts), 2.8), squeeze=False)
  for ax, (name, values) in zip(axes[0], parts.items(), strict=True):
    top = max((m for _, m in values), default=1) or 1
    ax.hist([s for s, _ in values], bins=10, range=(0, top), color="#3b6ea8", edgecolor="white")
    ax.set_title(f"{name} (of {top:g})", fontsize=10)
    ax.set_xlabel("points")
    ax.set_ylabel("students")
  figure.tight_layout()
  html_img = _png(figure)
  plt.close(figure)
  return html_img


def todo_table(reports: list[dict], links: dict[str, str]) -> str:
  """Per TODO: full-point share, mean points and the most frequent mistake categories (each
  student counted once per category)."""
  rows = []
  todos = [t["todo"] for t in reports[0]["terms"]] if reports else []
  for todo in todos:
    entries = [t for r in reports for t in r["terms"] if t["todo"] == todo]
    full = sum(t["score"] >= t["max_score"] for t in entries)
    categories = collections.Counter(
      category
      for t in entries
      for category in {c["category"] for c in t["cases"] if not c["passed"] and c["category"]}
    )
    mistakes = ", ".join(
      f"<code>{html.escape(c)}</code> {n / len(entries):.0%} ({n})"
      for c, n in categories.most_common(3)
    )
    name = html.escape(entries[0]["name"])
    link = links.get(todo)
    label = f'<a href="{html.escape(link)}">{todo}</a>' if link else todo
    rows.append(
      f"<tr><td>{label}</td><td>{name}</td><td>{entries[0]['max_score']:g}</td>"
      f"<td>{full / len(entries):.0%}</td>"
      f"<td>{statistics.mean(t['score'] for t in entries):.1f}</td><td>{mistakes}</td></tr>"
    )
  return (
    "<table><tr><th>TODO</th><th>term</th><th>points</th><th>full points</th>"
    "<th>mean points</th><th>most frequent mistakes (share of students)</th></tr>"
    + "".join(rows)
    + "</table>"
  )


def training_section(reports: list[dict]) -> str:
  """Per moving phase: pass rate and the students' mean errors against the phase's limits (a
  plot of error / limit: above 1 fails)."""
  trained = [r["training"] for r in reports if r["training"] and r["training"].get("phases")]
  if not trained:
    return "<p>No training check ran in this batch (term checks only, or --skip-training).</p>"
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  phases = [n for n, p in trained[0]["phases"].items() if p.get("moving")]
  rows = []
  figure, axes = plt.subplots(1, len(phases), figsize=(3.2 * len(phases), 2.8), sharey=True)
  for ax, phase in zip(axes, phases, strict=True):
    results = [t["phases"][phase] for t in trained]
    passed = sum(bool(p.get("passed")) for p in results)
    xy = [p["mean_xy_error"] / p["max_xy_error"] for p in results]
    wz = [p["mean_abs_wz_error"] / p["max_abs_wz_error"] for p in results]
    rows.append(
      f"<tr><td>{phase}</td><td>{tuple(results[0]['command'])}</td>"
      f"<td>{passed / len(results):.0%}</td>"
      f"<td>{statistics.median(xy):.2f}</td><td>{statistics.median(wz):.2f}</td></tr>"
    )
    ax.scatter([0] * len(xy), xy, alpha=0.6, label="planar")
    ax.scatter([1] * len(wz), wz, alpha=0.6, label="yaw rate")
    ax.axhline(1.0, color="#b03030", linewidth=1)
    ax.set_xticks([0, 1], ["planar", "yaw rate"])
    ax.set_xlim(-0.6, 1.6)
    ax.set_title(phase, fontsize=10)
  axes[0].set_ylabel("mean error / limit")
  figure.tight_layout()
  plot = _png(figure)
  plt.close(figure)
  table = (
    "<table><tr><th>phase</th><th>command (vx, vy, wz)</th><th>passed</th>"
    "<th>median planar error / limit</th><th>median yaw-rate error / limit</th></tr>"
    + "".join(rows)
    + "</table>"
  )
  return table + plot + "<p>Each dot is a student; above the red line (1.0) the phase fails.</p>"


def not_run(reports: list[dict], names: bool) -> str:
  """The students whose training check or notebook did not run, with the reason (counts;
  ids only with ``names``)."""
  reasons: dict[str, list[str]] = collections.defaultdict(list)
  for r in reports:
    training = r["training"]
    if training is not None and training["score"] == 0:
      why = training.get("summary") or (training.get("output") or "").split("\n")[0]
      reasons[f"training check scored 0: {why}"].append(r["student"])
    for message in r["messages"]:
      if "notebook" in message:
        reasons[message].append(r["student"])
  if not reasons:
    return "<p>Every student's training check and notebook ran.</p>"
  items = []
  for reason, students in sorted(reasons.items()):
    who = f": {html.escape(', '.join(sorted(students)))}" if names else ""
    items.append(f"<li>{len(students)} student(s): {html.escape(reason)}{who}</li>")
  return "<ul>" + "".join(items) + "</ul>"


def build_report(
  reports: list[dict],
  handout: Path,
  handout_url: str,
  names: bool = False,
  batch_seconds: float | None = None,
) -> str:
  """The page for ``reports`` (grade.py's per-student reports, the error stand-ins left out)."""
  graded = [r for r in reports if r.get("score") is not None]
  first = graded[0] if graded else {}
  settings = (
    f"profile {first.get('profile', '?')}, assignment {first.get('assignment', '?')}, "
    f"{first.get('isolation', 'isolation: ?')}, grader digest "
    f"{str(first.get('grader_sha256', '?'))[:12]}"
  )
  took = (
    f"the batch took {batch_seconds / 60:.1f} min"
    if batch_seconds is not None
    else "batch time: not recorded (page made by `grade.py report`)"
  )
  failed = len(reports) - len(graded)
  style = (
    "body{font-family:sans-serif;margin:2em;max-width:1200px}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
    "text-align:left}th{background:#eef}img{max-width:100%}"
  )
  parts = [
    f"<!doctype html><html><head><meta charset='utf-8'><title>Class report</title>"
    f"<style>{style}</style></head><body>",
    f"<h1>Class report: {len(graded)} students graded</h1>",
    f"<p>{html.escape(settings)}; {html.escape(took)}"
    + (f"; {failed} not graded (grader error)" if failed else "")
    + "</p>",
    "<h2>Scores</h2>",
    score_histograms(graded) if graded else "<p>No graded student.</p>",
    "<h2>Term checks by TODO</h2>",
    todo_table(graded, todo_links(handout, handout_url)) if graded else "",
    "<h2>Training check by phase</h2>",
    training_section(graded),
    "<h2>Did not run</h2>",
    not_run(graded, names),
    "<p><small>Only TODO ids, mistake categories and counts appear here: no case's inputs or "
    "expected values.</small></p></body></html>",
  ]
  return "\n".join(parts)


def report_path(csv_path: Path) -> Path:
  """The page beside a class CSV: grades.csv -> grades_report.html."""
  return csv_path.with_name(f"{csv_path.stem}_report.html")


def load_reports(reports_dir: Path) -> list[dict]:
  """Every student's report in a reports folder."""
  return [json.loads(p.read_text()) for p in sorted(reports_dir.glob("*.json"))]
