"""Scene plumbing: sensordata columns from the compiled model, and staged state writes."""

import mujoco
import pytest
import torch

from bench.sim import go1_with_pd_frequency
from trotlab.assets.unitree_go1 import go1_constants
from trotlab.scene import Scene, SceneCfg
from trotlab.scene.scene import sensor_columns
from trotlab.sensors.contact_sensor import ContactMatch, ContactSensorCfg
from trotlab.sim import SimulationCfg

from conftest import FEET_CONTACT, make_scene

LEG_CONTACT = ContactSensorCfg(
  primary=ContactMatch(mode="body", pattern=r".*_(thigh|calf)", entity="robot"),
  secondary=ContactMatch(mode="body", pattern="terrain"),
  fields=("found", "force", "dist"),
  num_slots=2,
  reduce="maxforce",
)
"""A second contact sensor with another layout: slots, a third field, no netforce sign flip."""


def contact_columns(sensor, j: int) -> torch.Tensor:
  """What a contact sensor reads for primary j (env 0), in MuJoCo's order: slot by slot, the
  fields in the order MuJoCo writes them (the configs below list them in that order)."""
  values = []
  for k in range(sensor.cfg.num_slots):
    for field in sensor.cfg.fields:
      value = getattr(sensor.data, field)[0, j]
      if sensor.cfg.num_slots > 1:
        value = value[k]
      if field == "force" and sensor.cfg.reduce == "netforce":
        value = -value  # the sensor gives the force the primary feels, MuJoCo the one it exerts
      values.append(value.reshape(-1))
  return torch.cat(values)


def test_every_sensor_is_read_from_its_compiled_columns():
  """Fill sensordata with each column's own index, then read every sensor the scene added
  through EntityData and the contact sensors: each must give exactly the columns
  sensor_adr .. sensor_adr + sensor_dim of the compiled model."""
  cfg = SceneCfg(
    num_envs=1,
    entities={"robot": go1_constants.go1_entity_cfg()},
    sensors={"feet": FEET_CONTACT, "legs": LEG_CONTACT},
  )
  scene = Scene(cfg, SimulationCfg())
  model = scene.sim.mj_model
  scene.sim.sensordata[:] = torch.arange(model.nsensordata, dtype=torch.float32)
  robot = scene["robot"]
  d = robot.data
  kinematics = {
    "pos": (robot.body_names, d.body_link_pos_w),
    "quat": (robot.body_names, d.body_link_quat_w),
    "linvel": (robot.body_names, d.body_link_lin_vel_w),
    "angvel": (robot.body_names, d.body_link_ang_vel_w),
    "site_pos": (robot.site_names, d.site_pos_w),
    "site_linvel": (robot.site_names, d.site_lin_vel_w),
  }
  assert model.nsensor > 0
  for i in range(model.nsensor):
    name = model.sensor(i).name
    prefix, rest = name.split("/", 1)
    if prefix == "kin":  # kin/<kind>/<body or site>
      label, obj = rest.split("/")
      names, values = kinematics[label]
      read = values[0, names.index(obj)]
    else:  # <contact sensor>/<primary>
      sensor = scene[prefix]
      read = contact_columns(sensor, sensor.primary_names.index(rest))
    adr, dim = int(model.sensor_adr[i]), int(model.sensor_dim[i])
    expected = torch.arange(adr, adr + dim, dtype=torch.float32)
    assert torch.equal(read, expected), name


def test_sensor_columns_refuses_a_block_with_a_gap():
  spec = mujoco.MjSpec()
  body = spec.worldbody.add_body(name="b")
  body.add_geom(size=[0.1, 0, 0])
  for name, kind in (("a", "FRAMEPOS"), ("q", "FRAMEQUAT"), ("c", "FRAMEPOS")):
    spec.add_sensor(
      name=name,
      type=getattr(mujoco.mjtSensor, f"mjSENS_{kind}"),
      objtype=mujoco.mjtObj.mjOBJ_XBODY,
      objname="b",
    )
  model = spec.compile()
  assert sensor_columns(model, ["q"], 4) == slice(3, 7)
  with pytest.raises(ValueError, match="not one block"):
    sensor_columns(model, ["a", "c"], 3)


def _count_forwards(scene: Scene) -> list[int]:
  """Wrap the backend's forward (this test is about when Simulation calls it)."""
  backend = scene.sim._backend
  calls, forward = [], backend.forward

  def counted(envs: torch.Tensor) -> None:
    calls.append(int(envs.sum()))
    forward(envs)

  backend.forward = counted
  return calls


def test_writes_are_forwarded_once_when_read():
  scene = make_scene(num_envs=4)
  robot = scene["robot"]
  scene.sim.forward()  # the scene's own reset of every env, at construction
  calls = _count_forwards(scene)
  scene.reset(torch.tensor([0, 2]))  # root, then joints: two writes
  state = robot.data.default_root_state[[2]].clone()
  state[:, 2] += 1.0
  robot.write_root_state_to_sim(state, env_ids=[2])
  assert calls == [], "writes alone run no forward"
  height = robot.data.body_link_pos_w[:, 0, 2]  # a sensor read
  assert calls == [2], "one forward, for the two written envs"
  assert height[2] == pytest.approx(float(state[0, 2]), abs=1e-6)
  _ = robot.data.site_pos_w, scene["feet_ground_contact"].data.force
  assert calls == [2], "nothing pending: no further forward"
  robot.write_root_state_to_sim(state, env_ids=[1])
  scene.sim.step(1)
  _ = robot.data.body_link_pos_w
  assert calls == [2], "a step recomputes the sensors: the pending forward is dropped"


def test_contact_force_follows_the_last_write():
  """Contact fields are read when accessed: a reading after a second write describes it (no
  copy kept from the first)."""
  scene = make_scene(num_envs=1, entity=go1_with_pd_frequency(20.0))
  robot, feet = scene["robot"], scene["feet_ground_contact"]
  for _ in range(50):  # settle on the ground
    scene.sim.step(4)
  weight = float(scene.sim.mj_model.body_mass.sum()) * 9.81
  assert feet.data.force[0, :, 2].sum().item() == pytest.approx(weight, rel=0.05)
  root = torch.cat((robot.data.root_link_pose_w, torch.zeros(1, 6)), dim=-1)
  root[:, 2] += 1.0
  robot.write_root_state_to_sim(root)
  assert (feet.data.found == 0).all() and (feet.data.force == 0).all()
