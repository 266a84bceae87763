"""ContactSensor on a Go1 dropped onto the ground."""

import torch

from bench.sim import go1_with_pd_frequency

from conftest import make_scene

DECIMATION = 4


def test_drop_from_half_a_metre():
  """Feet: found 0 while falling, then 1; air time counts up by dt and resets on touch-down;
  first contact is true for exactly one step per touch-down. A PD-legged robot dropped from
  0.5 m bounces (its legs are springs), so a foot may touch down more than once: every
  touch-down is checked, and the robot has settled by the end."""
  scene = make_scene(num_envs=1, entity=go1_with_pd_frequency(20.0))
  robot, feet = scene["robot"], scene["feet_ground_contact"]
  dt = scene.sim.timestep * DECIMATION
  state = robot.data.default_root_state.clone()
  state[:, 2] += 0.5
  robot.write_root_state_to_sim(state)
  feet.reset()
  assert feet.primary_names == [f"{leg}_foot_collision" for leg in ("FR", "FL", "RR", "RL")]
  assert (feet.data.found == 0).all()

  steps = int(3.0 / dt)
  found = torch.zeros(steps, 4, dtype=torch.bool)
  air = torch.zeros(steps, 4)
  last_air = torch.zeros(steps, 4)
  first_contact = torch.zeros(steps, 4, dtype=torch.bool)
  for k in range(steps):
    scene.sim.step(DECIMATION)
    scene.update(dt)
    found[k] = feet.data.found[0] > 0
    air[k] = feet.data.current_air_time[0]
    last_air[k] = feet.data.last_air_time[0]
    first_contact[k] = feet.compute_first_contact(dt)[0]

  # Free fall of ~0.5 m takes sqrt(2 h / g) = 0.32 s = 16 env steps.
  landing = found.float().argmax(dim=0)
  assert ((landing >= 14) & (landing <= 17)).all(), landing
  for foot in range(4):
    k = int(landing[foot])
    assert not found[:k, foot].any()
    torch.testing.assert_close(
      air[:k, foot], dt * torch.arange(1, k + 1, dtype=torch.float32), atol=1e-5, rtol=0
    )
    assert air[k, foot] == 0
    touchdowns = found[:, foot] & ~torch.cat((torch.tensor([False]), found[:-1, foot]))
    assert torch.equal(first_contact[:, foot], touchdowns), "first contact on touch-down steps only"
    # Each touch-down records the flight before it.
    for t in torch.nonzero(touchdowns).flatten().tolist():
      assert last_air[t, foot] == torch.tensor(air[t - 1, foot].item() + dt) if t > 0 else True
  # Settled: every foot on the ground for the last second, no touch-down there.
  assert found[-50:].all() and not first_contact[-50:].any()
  # The ground carries the robot: the net vertical force on the feet is its weight.
  weight = float(scene.sim.mj_model.body_mass.sum()) * 9.81
  assert abs(feet.data.force[0, :, 2].sum().item() - weight) < 0.05 * weight


def test_air_time_is_recorded_on_touch_down_and_timers_reset():
  scene = make_scene(num_envs=2, entity=go1_with_pd_frequency(20.0))
  robot, feet = scene["robot"], scene["feet_ground_contact"]
  dt = scene.sim.timestep * DECIMATION
  for _ in range(25):  # stand: contact time grows
    scene.sim.step(DECIMATION)
    scene.update(dt)
  assert (feet.data.current_contact_time > 0.3).all()
  env0_last_air = feet.data.last_air_time[0].clone()  # the stand pose starts 3 mm up: 0.04 s
  state = robot.data.root_link_pos_w.clone()
  root = torch.cat((state, robot.data.root_link_quat_w, torch.zeros(2, 6)), dim=-1)
  root[1, 2] += 0.3  # lift env 1 only
  robot.write_root_state_to_sim(root[1:], env_ids=[1])
  lifted_at, landed_at = None, None
  for step in range(40):
    scene.sim.step(DECIMATION)
    scene.update(dt)
    if lifted_at is None and feet.compute_first_air(dt)[1].all():
      lifted_at = step  # the contact time before the lift is recorded
      torch.testing.assert_close(
        feet.data.last_contact_time[1], torch.full((4,), 0.52), atol=0.021, rtol=0
      )
    if landed_at is None and feet.compute_first_contact(dt)[1].all():
      landed_at = step  # the flight time is recorded: free fall of 0.3 m takes 0.25 s
      torch.testing.assert_close(
        feet.data.last_air_time[1], torch.full((4,), 0.25), atol=0.03, rtol=0
      )
  assert lifted_at == 0 and landed_at is not None
  assert torch.equal(feet.data.last_air_time[0], env0_last_air), "env 0 is untouched"
  assert (feet.data.current_contact_time[0] > 1.0).all(), "env 0 stayed on the ground"
  feet.reset(torch.tensor([1]))
  assert (feet.data.current_contact_time[1] == 0).all() and (feet.data.last_air_time[1] == 0).all()
  assert (feet.data.current_contact_time[0] > 0).all()
