"""Bad names and shapes fail at once, with a message that names the bad value."""

import pytest
import torch

from trotlab.managers import SceneEntityCfg
from trotlab.scene import Scene, SceneCfg
from trotlab.sensors.contact_sensor import ContactMatch, ContactSensorCfg

from conftest import make_scene


@pytest.fixture(scope="module")
def scene() -> Scene:
  return make_scene(num_envs=2)


def test_unknown_joint_body_site_geom_names(scene):
  robot = scene["robot"]
  with pytest.raises(ValueError, match=r"'FR_knee_joint'.*Available joints.*FR_calf_joint"):
    robot.find_joints("FR_knee_joint")
  with pytest.raises(ValueError, match=r"'base'.*Available bodies.*trunk"):
    robot.find_bodies("base")
  with pytest.raises(ValueError, match=r"'foot_FR'.*FR"):
    robot.find_sites(["FR", "foot_FR"])
  with pytest.raises(ValueError, match=r"'.*_toe'"):
    robot.find_geoms(".*_toe")


def test_empty_and_invalid_regex(scene):
  robot = scene["robot"]
  with pytest.raises(ValueError, match=r"pattern 'XX.*' matches no joint"):
    robot.find_joints("XX.*")
  with pytest.raises(ValueError, match=r"No joint name pattern given"):
    robot.find_joints([])
  with pytest.raises(ValueError, match=r"Invalid joint name pattern '\(FR'"):
    robot.find_joints("(FR")


def test_wrong_action_shape(scene):
  robot = scene["robot"]
  with pytest.raises(ValueError, match=r"shape \(2, 12\).*got \(2, 11\)"):
    robot.set_joint_position_target(torch.zeros(2, 11))
  with pytest.raises(ValueError, match=r"got \(12,\)"):
    robot.set_joint_position_target(torch.zeros(12))
  with pytest.raises(ValueError, match=r"root_state must have shape \(1, 13\), got \(1, 7\)"):
    robot.write_root_state_to_sim(torch.zeros(1, 7), env_ids=[0])
  with pytest.raises(IndexError, match=r"env ids must lie in \[0, 2\)"):
    scene.sim.write_state(torch.tensor([5]), qvel=torch.zeros(1, 18))
  with pytest.raises(ValueError, match=r"Cannot randomize model field 'geom_frixion'"):
    scene.sim.model_field("geom_frixion")


def test_scene_entity_cfg(scene):
  cfg = SceneEntityCfg("robot", joint_names=(".*_calf_joint",), site_names=("FR", "RL"))
  cfg.resolve(scene)
  assert cfg.joint_ids == [2, 5, 8, 11]
  assert cfg.site_ids == [1, 4]
  assert cfg.body_ids == slice(None)
  ordered = SceneEntityCfg("robot", site_names=("RL", "FR"), preserve_order=True)
  ordered.resolve(scene)
  assert ordered.site_ids == [4, 1]
  with pytest.raises(KeyError, match=r"no entity or sensor 'robt'.*'robot'"):
    SceneEntityCfg("robt").resolve(scene)
  with pytest.raises(ValueError, match=r"'calf'"):
    SceneEntityCfg("robot", joint_names="calf").resolve(scene)
  with pytest.raises(ValueError, match=r"has no joints"):
    SceneEntityCfg("feet_ground_contact", joint_names=".*").resolve(scene)


def test_bad_contact_sensor_cfg():
  from trotlab.assets.unitree_go1 import go1_constants

  def build(sensor):
    Scene(
      SceneCfg(
        num_envs=1, entities={"robot": go1_constants.go1_entity_cfg()}, sensors={"s": sensor}
      )
    )

  with pytest.raises(ValueError, match=r"'.*_paw'"):
    build(ContactSensorCfg(primary=ContactMatch(mode="geom", pattern=".*_paw", entity="robot")))
  with pytest.raises(ValueError, match=r"unknown contact fields \['speed'\]"):
    build(
      ContactSensorCfg(
        primary=ContactMatch(mode="geom", pattern=".*_foot_collision", entity="robot"),
        fields=("found", "speed"),
      )
    )
  with pytest.raises(KeyError, match=r"'dog'"):
    build(ContactSensorCfg(primary=ContactMatch(mode="geom", pattern=".*", entity="dog")))
  with pytest.raises(ValueError, match=r"empty"):
    build(
      ContactSensorCfg(
        primary=ContactMatch(
          mode="geom", pattern="FR_foot_collision", entity="robot", exclude=("FR_.*",)
        )
      )
    )
