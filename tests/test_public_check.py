"""The public self-check: green with the reference, all TODO with the stubs, and specific
feedback for a wrong implementation."""

import json
import shutil

from trotlab.checks import public
from trotlab.scripts import check
from trotlab.tasks.velocity import mdp


def test_reference_passes_every_public_case_and_reproduces_the_file():
  results = public.run_public_checks(mdp.load_mdp("solutions"))
  assert [r.todo for r in results] == public.ALL_TODOS
  assert all(r.status == "pass" for r in results), [
    (r.todo, r.detail) for r in results if r.status != "pass"
  ]


def test_untouched_stubs_are_all_todo(capsys):
  assert check.main(["--mdp", "student"]) == 1
  out = capsys.readouterr().out
  for todo in public.ALL_TODOS:
    assert f"\n{todo} " in out and "TODO" in out
  assert "0 passed, 27 failed (27 not implemented)" in out


def test_every_todo_id_has_exactly_one_public_case():
  cases = json.loads(public.CASES_FILE.read_text())
  assert sorted(cases) == sorted(public.ALL_TODOS)
  assert len(public.ALL_TODOS) == len(set(public.ALL_TODOS)) == 27


def test_a_wrong_term_gets_expected_versus_got(tmp_path):
  for name in mdp.MDP_FILES:
    shutil.copy(mdp.resolve_mdp_dir("solutions") / f"{name}.py", tmp_path / f"{name}.py")
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
    and "expected shape (4, 3), got (4, 3, 14)" in results["T3"].detail
  )  # 14 non-foot geoms
  assert all(r.status == "pass" for todo, r in results.items() if todo not in ("R1", "T3"))
