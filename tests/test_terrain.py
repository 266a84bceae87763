"""The terrain generator, env origins on its tiles, and the height scan on both backends."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from trotlab.assets.unitree_go1 import go1_constants
from trotlab.scene import Scene, SceneCfg, TerrainCfg
from trotlab.scene.terrain_generator import (
  PyramidStairsCfg,
  SubTerrainCfg,
  TerrainGeneratorCfg,
  column_types,
  generate_terrain,
)
from trotlab.sensors.height_scan import HeightScanCfg, grid_points, mirror_index
from trotlab.sim import SimulationCfg

TERRACE = 1.0
"""Width of a crafted terrace [m]."""
RISE = 0.05
"""Height of one crafted terrace over the previous one [m]."""


@dataclasses.dataclass(kw_only=True)
class TerracesCfg(SubTerrainCfg):
  """Crafted: terraces TERRACE wide climbing along x, RISE each, plus 0.2 m on the tile's far
  half in y. Flat except on the risers (one vertex spacing wide), so a height is known exactly
  anywhere else."""

  def heights(self, difficulty, x, y, size, rng) -> np.ndarray:
    return RISE * np.floor(x / TERRACE) + 0.2 * (y >= size[1] / 2)


def terrace_height(local_x: np.ndarray, local_y: np.ndarray, size) -> np.ndarray:
  return RISE * np.floor(local_x / TERRACE) + 0.2 * (local_y >= size[1] / 2)


def near_riser(local_x, local_y, size, spacing) -> np.ndarray:
  """Within one vertex spacing of a riser, where the height field slopes."""
  to_x_riser = np.abs(local_x / TERRACE - np.round(local_x / TERRACE)) * TERRACE
  return (to_x_riser < spacing + 1e-6) | (np.abs(local_y - size[1] / 2) < spacing + 1e-6)


CRAFTED = TerrainGeneratorCfg(
  sub_terrains={"terraces": TerracesCfg()},
  num_levels=2,
  num_types=1,
  size=(6.0, 6.0),
  border_width=1.0,
  seed=5,
)


def make_scene(backend: str, num_envs: int = 3, generator=CRAFTED, **sim_kwargs) -> Scene:
  cfg = SceneCfg(
    num_envs=num_envs,
    entities={"robot": go1_constants.go1_entity_cfg()},
    sensors={
      "height_scan": HeightScanCfg(),
      "feet_scan": HeightScanCfg(sites=go1_constants.FOOT_NAMES),
    },
    terrain=TerrainCfg(generator=generator, max_init_level=1),
  )
  if backend == "warp":
    with pytest.warns(UserWarning, match="CPU device"):
      return Scene(cfg, SimulationCfg(backend="warp", warp_device="cpu", **sim_kwargs))
  return Scene(cfg, SimulationCfg(**sim_kwargs))


def test_the_generator_is_deterministic_and_lays_tiles_by_level_and_type():
  cfg = TerrainGeneratorCfg(num_levels=3, num_types=5, size=(4.0, 4.0), border_width=1.0, seed=7)
  first, again = generate_terrain(cfg), generate_terrain(cfg)
  np.testing.assert_array_equal(first.heights, again.heights)
  other = generate_terrain(dataclasses.replace(cfg, seed=8))
  assert not np.array_equal(first.heights, other.heights)  # the rough tiles' noise

  spacing = cfg.horizontal_scale
  ny, nx = first.heights.shape
  assert (nx, ny) == (3 * 40 + 2 * 10 + 1, 5 * 40 + 2 * 10 + 1)
  border = round(cfg.border_width / spacing)
  assert not first.heights[:border].any() and not first.heights[:, :border].any()
  assert first.origins.shape == (3, 5, 3)
  # Tile (level, type) lies at x = level, y = type in the grid; its origin is its centre.
  xs, ys = first.vertex_xy()
  for level in range(3):
    for col in range(5):
      x, y, z = first.origins[level, col]
      r, c = border + col * 40 + 20, border + level * 40 + 20
      assert x == pytest.approx(xs[c]) and y == pytest.approx(ys[r])
      assert z == first.heights[r - 5 : r + 6, c - 5 : c + 6].max()  # the top within 0.5 m
  rough = first.type_names.index("rough")
  r, c = border + rough * 40 + 20, border + 40 + 20
  assert first.origins[1, rough, 2] > first.heights[r, c]  # a bump near the centre is higher


def test_columns_are_shared_by_proportion():
  cfg = TerrainGeneratorCfg(num_types=10)  # flat 0.1, rough 0.3, slopes 0.1 + 0.1, stairs 0.2 + 0.2
  types = column_types(cfg)
  assert [types.count(name) for name in cfg.sub_terrains] == [1, 3, 1, 1, 2, 2]
  assert types == sorted(types, key=list(cfg.sub_terrains).index)  # each type in one run
  with pytest.raises(ValueError, match="proportions"):
    column_types(dataclasses.replace(cfg, sub_terrains={"a": PyramidStairsCfg(proportion=0.0)}))


def test_stairs_grow_with_the_level():
  """The climb to the platform of a stairs tile: (number of steps) x (step height), the step
  height rising with the level's difficulty."""
  stairs = PyramidStairsCfg(step_height_range=(0.05, 0.15), step_width=0.5, platform_width=2.0)
  cfg = TerrainGeneratorCfg(
    sub_terrains={"stairs": stairs}, num_levels=4, num_types=1, size=(6.0, 6.0), seed=2
  )
  climbs = generate_terrain(cfg).origins[:, 0, 2]
  steps = math.floor((6.0 / 2 - 2.0 / 2) / 0.5)
  assert (np.diff(climbs) > 0).all()
  assert climbs[0] >= steps * 0.05 and climbs[-1] <= steps * 0.15


def test_envs_start_on_tiles_and_move_by_level():
  scene = make_scene("cpu", num_envs=4)
  terrain = scene.terrain
  origins = terrain.generated.origins
  assert 0 <= int(terrain.levels.min()) and int(terrain.levels.max()) <= 1  # max_init_level
  for env in range(4):
    expected = origins[terrain.levels[env], terrain.types[env]]
    np.testing.assert_allclose(scene.env_origins[env].numpy(), expected, atol=1e-6)
  # The robots stand on their tiles: the trunk's height above its origin is the default's.
  root = scene["robot"].data.root_link_pos_w
  torch.testing.assert_close(root[:, :2], scene.env_origins[:, :2])

  ids = torch.arange(4)
  scene.move_terrain_levels(ids, torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool))
  scene.move_terrain_levels(ids, torch.zeros(4, dtype=torch.bool), torch.ones(4, dtype=torch.bool))
  assert terrain.levels.tolist() == [0, 0, 0, 0]  # up to level 1 at most, then down to 0
  up = torch.tensor([True, False, True, False])
  scene.move_terrain_levels(ids, up, move_down=torch.tensor([False, True, True, False]))
  assert terrain.levels.tolist() == [1, 0, 1, 0]  # up wins over down; down clamps at 0
  for env in range(4):
    np.testing.assert_allclose(
      scene.env_origins[env].numpy(), origins[terrain.levels[env], terrain.types[env]], atol=1e-6
    )
  # A reset puts the moved robots on their new tiles.
  scene.reset()
  root = scene["robot"].data.root_link_pos_w
  torch.testing.assert_close(root[:, :2], scene.env_origins[:, :2])
  assert float(root[0, 0] - root[1, 0]) == pytest.approx(CRAFTED.size[0])


def scan_pose(scene: Scene, yaw: float, xy_offset: tuple[float, float]) -> None:
  """Put every robot at its origin plus ``xy_offset``, turned by ``yaw``, 0.4 m above it."""
  robot = scene["robot"]
  state = robot.data.default_root_state.clone()
  state[:, 0] += xy_offset[0]
  state[:, 1] += xy_offset[1]
  state[:, 2] += 0.1
  state[:, 3:7] = torch.tensor([math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)])
  robot.write_root_state_to_sim(state)


def expected_scan(scene: Scene, yaw: float) -> tuple[np.ndarray, np.ndarray]:
  """The crafted terrain's height under every ray, and where it is exact (off the risers)."""
  generated = scene.terrain.generated
  points = grid_points(scene["height_scan"].cfg).numpy()
  pos = scene["robot"].data.body_link_pos_w[:, 0].numpy()
  wx = pos[:, None, 0] + math.cos(yaw) * points[:, 0] - math.sin(yaw) * points[:, 1]
  wy = pos[:, None, 1] + math.sin(yaw) * points[:, 0] + math.cos(yaw) * points[:, 1]
  local_x, local_y = tile_coordinates(scene, wx, wy)
  heights = terrace_height(local_x, local_y, CRAFTED.size)
  exact = ~near_riser(local_x, local_y, CRAFTED.size, generated.spacing)
  return heights, exact


def tile_coordinates(scene: Scene, wx: np.ndarray, wy: np.ndarray):
  """World (N, k) points -> coordinates in each env's crafted tile: tile (level, 0) starts at
  the field's corner + border + level * size."""
  xs, ys = scene.terrain.generated.vertex_xy()
  levels = scene.terrain.levels.numpy()[:, None]
  local_x = wx - (xs[0] + CRAFTED.border_width + levels * CRAFTED.size[0])
  return local_x, wy - (ys[0] + CRAFTED.border_width)


def test_the_height_scan_reads_the_crafted_terrain():
  """Under every ray off a riser, the hit height is the crafted terrain's (within 1e-5 m), the
  grid turns with the trunk's yaw, and the robot's own legs (under the trunk) are not seen. A
  state write without a step is followed too (the scan is not cached across it)."""
  scene = make_scene("cpu")
  for yaw, offset in ((0.0, (0.35, 0.2)), (0.6, (0.35, 0.2)), (-2.0, (-0.8, 1.1))):
    scan_pose(scene, yaw, offset)
    data = scene["height_scan"].data
    heights, exact = expected_scan(scene, yaw)
    assert exact.mean() > 0.5  # most rays are off the risers
    np.testing.assert_allclose(data.hit_pos_w[..., 2].numpy()[exact], heights[exact], atol=1e-5)
    torch.testing.assert_close(data.pos_w, scene["robot"].data.body_link_pos_w[:, 0])
    # One ray under each foot site: the terrain right below it.
    feet = scene["feet_scan"].data.hit_pos_w
    robot = scene["robot"]
    sites = robot.data.site_pos_w[:, [robot.site_names.index(f) for f in go1_constants.FOOT_NAMES]]
    torch.testing.assert_close(feet[..., :2], sites[..., :2])
    local_x, local_y = tile_coordinates(scene, sites[..., 0].numpy(), sites[..., 1].numpy())
    under = terrace_height(local_x, local_y, CRAFTED.size)
    off_riser = ~near_riser(local_x, local_y, CRAFTED.size, scene.terrain.generated.spacing)
    np.testing.assert_allclose(feet[..., 2].numpy()[off_riser], under[off_riser], atol=1e-5)


def test_scans_between_steps_leave_the_trajectory_unchanged():
  """Casting rays (MuJoCo's Batch.ray runs kinematics on the pool's data) changes nothing of
  the simulation: the same steps with and without a scan after each give identical states."""
  finals = []
  for scan in (False, True):
    scene = make_scene("cpu", num_envs=2)
    robot = scene["robot"]
    gen = torch.Generator().manual_seed(0)
    for _ in range(10):
      target = robot.data.default_joint_pos + 0.3 * torch.randn(2, 12, generator=gen)
      robot.set_joint_position_target(target)
      scene.sim.step(4)
      scene.update(0.02)
      if scan:
        assert scene["height_scan"].data.hit_pos_w.isfinite().all()
    finals.append(scene.sim.physics_state())
  for key, value in finals[0].items():
    np.testing.assert_array_equal(value, finals[1][key], err_msg=key)


def test_the_warp_backend_scans_as_the_cpu_backend():
  """Same terrain, same robot poses (the state written, no physics step): the same hit points
  on mujoco_warp (Warp's CPU device) as on MuJoCo C."""
  scans = []
  for backend in ("cpu", "warp"):
    scene = make_scene(backend)
    scan_pose(scene, 0.6, (0.35, 0.2))
    scans.append(scene["height_scan"].data.hit_pos_w.cpu())
  torch.testing.assert_close(scans[0], scans[1], atol=1e-4, rtol=0)


def test_a_missing_body_names_the_choices():
  cfg = SceneCfg(
    num_envs=1,
    entities={"robot": go1_constants.go1_entity_cfg()},
    sensors={"height_scan": HeightScanCfg(body="torso")},
    terrain=TerrainCfg(generator=CRAFTED),
  )
  with pytest.raises(KeyError, match="no body 'torso'.*trunk"):
    Scene(cfg, SimulationCfg())


def test_the_mirror_of_a_height_scan_is_the_scan_of_the_mirrored_points():
  cfg = HeightScanCfg()
  points = grid_points(cfg)
  index = mirror_index(cfg)
  torch.testing.assert_close(points[index], points * torch.tensor([1.0, -1.0, 1.0]))
  assert sorted(index) == list(range(len(points))) and [index[i] for i in index] == list(
    range(len(points))
  )


ROUGH = "Mjlab-Velocity-Rough-Unitree-Go1"


def rough_env(num_envs: int):
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  cfg = get_task(ROUGH).env_cfg(play=False, device="cpu", mdp=load_mdp("solutions"))
  cfg.scene.num_envs = num_envs
  return ManagerBasedRlEnv(cfg, verbose=False)


def test_the_rough_task_steps_with_a_height_scan_for_the_critic_and_mirrors_it():
  from tensordict import TensorDict

  from trotlab.tasks.velocity.config.go1.symmetry import Go1Mirror

  env = rough_env(8)
  scan = env.scene["height_scan"]
  for _ in range(5):
    obs, *_ = env.step(torch.zeros(8, 12))
  assert obs["actor"].shape == (8, 48)  # the policy is blind: the flat task's observations
  heights = obs["critic"][:, -scan.num_rays :]
  assert obs["critic"].shape == (8, 72 + scan.num_rays) and heights.isfinite().all()
  expected = scan.data.pos_w[:, 2:3] - scan.data.hit_pos_w[..., 2] - 0.3
  torch.testing.assert_close(heights, expected.clamp(-1, 1))
  clearance = env.reward_manager.get_term_cfg("foot_clearance")
  assert clearance.func.__name__ == "feet_clearance_terrain"  # foot heights above the terrain
  assert env.scene[clearance.params["sensor_name"]].cfg.sites == go1_constants.FOOT_NAMES
  mirrored = Go1Mirror(env).observations(TensorDict(obs, batch_size=[8]))
  torch.testing.assert_close(
    mirrored["critic"][:, -scan.num_rays :], heights[:, mirror_index(scan.cfg)]
  )


def test_the_terrain_level_curriculum_moves_walkers_up_and_laggards_down():
  from trotlab.tasks.velocity.mdp import load_mdp

  terrain_levels = load_mdp("solutions").terrain_levels  # the reference of TODO K3

  env = rough_env(3)
  terrain, robot = env.scene.terrain, env.scene["robot"]
  ids = torch.arange(3)
  env.scene.move_terrain_levels(
    ids, torch.tensor([True, True, False]), torch.zeros(3, dtype=torch.bool)
  )
  before = terrain.levels.clone()
  state = robot.data.default_root_state.clone()
  state[0, 0] += 5.0  # walked 5 m: more than half a tile (4 m)
  state[1, 0] += 1.0  # walked 1 m where the command asked 0.5 m/s x 20 s = 10 m
  robot.write_root_state_to_sim(state)
  command = env.command_manager.get_command("twist")
  command[:] = torch.tensor([0.5, 0.0, 0.0])
  env.episode_length_buf[:] = 10
  env.episode_length_buf[2] = 0  # env 2 has not run an episode: it stays
  state[2, 0] += 5.0
  robot.write_root_state_to_sim(state)
  mean = terrain_levels(env, ids, command_name="twist")
  assert (terrain.levels - before).tolist() == [1, -1, 0]
  assert mean == pytest.approx(terrain.levels.float().mean().item())


def test_the_tracking_evaluation_on_terrain_spreads_envs_and_reports_falls_by_type_and_level():
  """Rough task: the evaluation's fixed test terrain puts envs on every type, rows of them on
  levels spread evenly; the metrics add the fall rates by type and by level."""
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv
  from trotlab.evaluation.tracking import Phase, TrackingEvalCfg, eval_env_cfg, run_tracking_eval
  from trotlab.tasks import get_task
  from trotlab.tasks.velocity.mdp import load_mdp

  cfg = TrackingEvalCfg(
    num_envs=20,
    phases=(Phase("stand", 0.2, (0.0, 0.0, 0.0)), Phase("forward", 0.4, (0.5, 0.0, 0.0))),
    settle_s=0.1,
  )
  play = get_task(ROUGH).env_cfg(play=True, device="cpu", mdp=load_mdp("solutions"))
  env = ManagerBasedRlEnv(eval_env_cfg(play, cfg), verbose=False)
  terrain = env.scene.terrain
  # 4 rows of the 6 types (the last row short), over the play terrain's levels 0..4
  assert terrain.levels.tolist() == [0] * 6 + [1] * 6 + [2] * 6 + [3] * 2
  assert terrain.types.tolist() == [*range(6)] * 3 + [0, 1]
  assert len(set(terrain.generated.type_names)) == 6  # every type has its column
  metrics = run_tracking_eval(env, lambda obs: torch.zeros(20, 12), cfg, progress=False)
  falls = metrics["terrain"]
  assert list(falls["fell_by_type"]) == list(dict.fromkeys(terrain.generated.type_names))
  assert set(falls["fell_by_level"]) == {0, 1, 2, 3}
  fallen = torch.tensor(metrics["_traces"]["fallen"][-1], dtype=torch.float32)
  assert falls["fell_by_level"][3] == pytest.approx(fallen[18:].mean().item())
  by_level = [fallen[terrain.levels == level].any().item() for level in range(4)]
  reached = by_level.index(True) - 1 if any(by_level) else 3
  assert falls["highest_level_without_falls"] == reached
