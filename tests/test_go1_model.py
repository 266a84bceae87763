"""Our Go1 model and its constants: names the framework relies on, published facts, gains."""

import math

import mujoco
import pytest

from trotlab.assets.unitree_go1 import go1_constants as go1

LEGS = ("FR", "FL", "RR", "RL")


@pytest.fixture(scope="module")
def model() -> mujoco.MjModel:
  return go1.go1_entity_cfg().build_spec().compile()


def test_names_match_the_contract(model):
  bodies = {model.body(i).name for i in range(model.nbody)}
  joints = [model.joint(i).name for i in range(1, model.njnt)]
  sites = {model.site(i).name for i in range(model.nsite)}
  geoms = {model.geom(i).name for i in range(model.ngeom)}
  assert "trunk" in bodies
  for leg in LEGS:
    assert {f"{leg}_hip", f"{leg}_thigh", f"{leg}_calf"} <= bodies
    assert f"{leg}_foot_collision" in geoms
    assert leg in sites
  assert "imu" in sites
  assert joints == [f"{leg}_{part}_joint" for leg in LEGS for part in ("hip", "thigh", "calf")]
  assert model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
  assert model.nmesh == 0, "primitive geoms only"


def test_published_facts(model):
  assert sum(model.body_mass) == pytest.approx(12.98, abs=0.01)
  thigh, calf = model.body("FR_thigh").id, model.body("FR_calf").id
  assert model.body_pos[calf][2] == pytest.approx(-0.213)  # thigh length
  assert model.site("FR").pos[2] == pytest.approx(-0.213)  # calf length
  assert model.body_pos[thigh][1] == pytest.approx(-0.08)
  assert model.jnt_range[model.joint("FL_calf_joint").id].tolist() == pytest.approx(
    [-2.818, -0.888]
  )
  assert model.jnt_range[model.joint("FL_hip_joint").id].tolist() == pytest.approx([-0.863, 0.863])


def test_actuator_constants_follow_from_the_motor(model):
  assert go1.HIP_ARMATURE == pytest.approx(0.000111842 * 36)
  assert go1.KNEE_ARMATURE == pytest.approx(0.000111842 * 81)
  w = 2 * math.pi * 10
  assert go1.HIP_STIFFNESS == pytest.approx(go1.HIP_ARMATURE * w**2)
  assert go1.KNEE_DAMPING == pytest.approx(2 * 2.0 * go1.KNEE_ARMATURE * w)
  assert go1.ACTION_SCALE[".*_calf_joint"] == pytest.approx(0.25 * 35.55 / go1.KNEE_STIFFNESS)
  knee = model.actuator("FR_calf_joint").id
  assert model.actuator_gainprm[knee, 0] == pytest.approx(go1.KNEE_STIFFNESS)
  assert model.actuator_biasprm[knee, :3].tolist() == pytest.approx(
    [0, -go1.KNEE_STIFFNESS, -go1.KNEE_DAMPING]
  )
  assert model.actuator_forcerange[knee].tolist() == pytest.approx([-35.55, 35.55])
  assert model.dof_armature[model.joint("FR_calf_joint").dofadr[0]] == pytest.approx(
    go1.KNEE_ARMATURE
  )
  # ctrl[i] drives joint i.
  for i in range(model.nu):
    assert model.actuator_trnid[i, 0] == i + 1


def _colliding_geoms(model):
  return {
    model.geom(i).name
    for i in range(model.ngeom)
    if model.geom_contype[i] or model.geom_conaffinity[i]
  }


def test_collision_settings():
  feet_only = go1.go1_entity_cfg().build_spec().compile()
  assert _colliding_geoms(feet_only) == set(go1.FOOT_GEOM_NAMES)
  full = go1.go1_entity_cfg(full_collision=True).build_spec().compile()
  assert {"trunk_collision", "FR_thigh_collision", "RL_calf_collision"} <= _colliding_geoms(full)
  assert not any("visual" in name for name in _colliding_geoms(full))
