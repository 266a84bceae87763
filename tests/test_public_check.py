"""The public self-check: green with the reference, all TODO with the stubs, and specific
feedback for a wrong implementation."""

import json
import shutil

import pytest

from trotlab.checks import public
from trotlab.grading.todos import IDS, TODOS
from trotlab.scripts import check
from trotlab.tasks.velocity import mdp


@pytest.fixture(autouse=True)
def restore_student_mdp():
  yield
  mdp.use_mdp("student")


def test_reference_passes_every_public_case_and_reproduces_the_file():
  mdp.use_mdp("solutions")
  results = public.run_public_checks()
  assert [r.todo for r in results] == public.ALL_TODOS
  assert all(r.status == "pass" for r in results), [
    (r.todo, r.detail) for r in results if r.status != "pass"
  ]


def test_untouched_stubs_are_all_todo(capsys):
  assert check.main(["--mdp", "student"]) == 1
  out = capsys.readouterr().out
  for todo in public.ALL_TODOS:
    assert f"\n{todo} " in out and "TODO" in out
  n = len(TODOS)
  assert f"0 passed, {n} failed ({n} not implemented)" in out


def test_every_todo_id_has_exactly_one_public_case():
  cases = json.loads(public.CASES_FILE.read_text())
  assert sorted(cases) == sorted(public.ALL_TODOS)
  assert public.ALL_TODOS == list(IDS)


def test_a_wrong_term_gets_expected_versus_got(tmp_path):
  for name in mdp.MDP_FILES:
    shutil.copy(mdp.SOLUTIONS_DIR / f"{name}.py", tmp_path / f"{name}.py")
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
  mdp.use_mdp(str(tmp_path))
  results = {r.todo: r for r in public.run_public_checks()}
  assert (
    results["R1"].status == "fail"
    and "expected" in results["R1"].detail
    and "got" in results["R1"].detail
  )
  assert "env" in results["R1"].detail
  assert (
    results["T3"].status == "fail"
    and "expected shape (4, 3), got (4, 3, 14)" in results["T3"].detail
  )  # 14 non-foot geoms
  assert all(r.status == "pass" for todo, r in results.items() if todo not in ("R1", "T3"))
