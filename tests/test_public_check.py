"""The public self-check: green with the reference, all TODO with the stubs, specific feedback
for a wrong implementation, and the grader's judge: a dtype error or an in-place write fails the
self-check as it fails the grader, with the same category."""

import shutil

import pytest

from autograder.term_checks import grade_terms
from trotlab.checks import public
from trotlab.grading.case_files import PUBLIC_CASES_DIR, load_public_cases
from trotlab.grading.todos import ASSIGNMENTS, IDS, TODOS
from trotlab.scripts import check
from trotlab.tasks.velocity import mdp


def _reference_copy(folder):
  folder.mkdir(exist_ok=True)
  for name in mdp.MDP_FILES:
    shutil.copy(mdp.solutions_dir() / f"{name}.py", folder / f"{name}.py")
  return folder


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_every_public_case(assignment):
  results = public.run_public_checks(mdp.load_mdp("solutions"), assignment)
  assert [r.todo for r in results] == list(ASSIGNMENTS[assignment].ids)
  assert all(r.status == "pass" for r in results), [
    (r.todo, r.detail) for r in results if r.status != "pass"
  ]


def test_untouched_stubs_are_all_todo(capsys):
  assert check.main(["--mdp", "student"]) == 1
  out = capsys.readouterr().out
  for todo in IDS:
    assert f"\n{todo} " in out and "TODO" in out
  assert (
    "not implemented yet: fill in rewards.py:" in out
    and "(handouts/assignment.md, section R1)" in out
  )
  n = len(TODOS)
  assert f"0 passed, 0 failed, {n} not implemented yet" in out
  assert "O12" not in out, "the second assignment's TODOs are checked with --assignment rough"
  assert check.main(["--mdp", "student", "--assignment", "rough"]) == 1
  out = capsys.readouterr().out
  assert (
    "not implemented yet: fill in terrain.py:" in out
    and "(handouts/assignment2.md, section K3)" in out
  )
  assert "0 passed, 0 failed, 3 not implemented yet" in out and "R1 " not in out


def test_every_todo_id_has_a_described_public_case_stored_once_in_the_package():
  cases = load_public_cases()
  assert cases and all(c.public and c.name.startswith("public_") for c in cases)
  assert all(c.description for c in cases), "each public case says what its states show"
  for todo in (t for a in ASSIGNMENTS.values() for t in a.ids):
    names = {c.names for c in cases if todo in c.todos}
    assert names == {"canned", "task"}, f"{todo}: public cases of both name sets, got {names}"
  for case in cases:
    for todo, note in case.notes.items():  # a note describes its TODO's failures only
      assert note in case.describe(todo), (case.name, todo)
      assert all(note not in case.describe(other) for other in case.todos if other != todo)
  # the package's own folder: the installed kit finds it without the repository around it
  assert PUBLIC_CASES_DIR.parent.name == "grading" and PUBLIC_CASES_DIR.parent.parent.name == (
    "trotlab"
  )
  assert not list((PUBLIC_CASES_DIR.parents[3] / "autograder" / "public").glob("cases*"))


def test_a_wrong_term_gets_expected_versus_got(tmp_path):
  _reference_copy(tmp_path)
  rewards = tmp_path / "rewards.py"
  text = rewards.read_text()
  text = text.replace("  error = error + torch.square(lin_vel_b[:, 2])\n", "")  # forgets v_z
  rewards.write_text(text)
  (tmp_path / "terminations.py").write_text(
    (tmp_path / "terminations.py")
    .read_text()
    .replace(
      "return torch.any(env.scene[sensor_name].data.found > 0, dim=1)",
      "return (env.scene[sensor_name].data.found > 0)",
    )
  )
  results = {r.todo: r for r in public.run_public_checks(mdp.load_mdp(str(tmp_path)))}
  assert (
    results["R1"].status == "fail"
    and "expected" in results["R1"].detail
    and "got" in results["R1"].detail
  )
  assert "env" in results["R1"].detail
  assert (
    results["T3"].status == "fail"
    and "returns (num_envs,) bool: expected shape (3,) here (3 envs), got (3, 14)"
    in results["T3"].detail
  )  # 14 non-foot geoms
  assert all(r.status == "pass" for todo, r in results.items() if todo not in ("R1", "T3"))


def test_one_judge_dtype_and_in_place_fail_the_self_check_and_the_grader_alike(tmp_path):
  """R3 returns float64 (values right), R4 subtracts in place from the robot's joint positions:
  the self-check and the grader both fail them, with the same category."""
  folder = _reference_copy(tmp_path / "sub")
  rewards = (folder / "rewards.py").read_text()
  upright = "  return torch.exp(-torch.sum(torch.square(gravity_b[:, :2]), dim=1) / std**2)\n"
  pose = "  delta = data.joint_pos[:, asset_cfg.joint_ids] - data.default_joint_pos[:, asset_cfg.joint_ids]\n"
  assert upright in rewards and pose in rewards
  rewards = rewards.replace(upright, upright.replace("std**2)\n", "std**2).double()\n"))
  rewards = rewards.replace(pose, "  delta = data.joint_pos\n  delta -= data.default_joint_pos\n")
  (folder / "rewards.py").write_text(rewards)
  checked = {r.todo: r for r in public.run_public_checks(mdp.load_mdp(str(folder)))}
  graded = {r.todo: r for r in grade_terms(folder, todos=["R3", "R4"], log=lambda *a: None)}
  for todo, category in (("R3", "dtype"), ("R4", "in_place")):
    assert checked[todo].status == "fail" and checked[todo].detail.startswith(f"[{category}]")
    assert {c.category for c in graded[todo].cases} == {category}, graded[todo].feedback()
    assert graded[todo].score == 0
  # The in-place failure names the input it changed and when, and no parameter hint follows
  # (a parameter's value cannot explain it).
  detail = checked["R4"].detail
  assert "modified the physics state qpos (EntityData's joint_pos" in detail, detail
  assert "in place at call 1 of the case's" in detail, detail
  assert "does your code use each one as given" not in detail, detail
  assert "the physics state qpos" in graded["R4"].feedback()
  assert all(r.status == "pass" for todo, r in checked.items() if todo not in ("R3", "R4"))


def test_a_parameter_ignored_is_named_with_its_rule(tmp_path):
  """A value hard-coded where the case gives the parameter another value: the failure names the
  parameter, the case's value and the registry's rule for it."""
  folder = _reference_copy(tmp_path / "sub")
  rewards, observations = folder / "rewards.py", folder / "observations.py"
  rewards.write_text(rewards.read_text().replace("-error / std**2)", "-error / 0.5**2)"))
  observations.write_text(
    observations.read_text().replace("  if action_name is None:\n", "  if True:\n")
  )
  results = {r.todo: r for r in public.run_public_checks(mdp.load_mdp(str(folder)))}
  assert results["R1"].status == results["O6"].status == "fail"
  assert "std = 0.4: divides the error by std^2, the std given" in results["R1"].detail
  assert 'action_name = "legs": with action_name given' in results["O6"].detail
  assert "does your code use each one as given?" not in results["R2"].detail
