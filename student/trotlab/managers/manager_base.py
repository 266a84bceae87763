"""What every manager shares: building terms from configs, with errors that name the term."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from trotlab.managers.manager_term_config import ManagerTermBaseCfg
from trotlab.managers.scene_entity_cfg import SceneEntityCfg
from trotlab.utils.todo import TodoNotImplemented

if TYPE_CHECKING:
  from trotlab.envs.manager_based_rl_env import ManagerBasedRlEnv


class TermConfigError(ValueError):
  """A term config does not fit its function (raised when the env is built)."""


def _callable_name(func: Any) -> str:
  return getattr(func, "__qualname__", repr(func))


def check_params(
  manager: str, term_name: str, func: Callable[..., Any], params: dict[str, Any], leading: int
) -> None:
  """Check ``params`` against the signature of ``func`` after its ``leading`` positional args."""
  try:
    signature = inspect.signature(func)
  except (TypeError, ValueError):
    return  # builtins without a signature: nothing to check
  parameters = list(signature.parameters.values())[leading:]
  accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
  names = [p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
  where = f"{manager} term {term_name!r} ({_callable_name(func)})"
  unknown = [k for k in params if k not in names]
  if unknown and not accepts_any:
    raise TermConfigError(f"{where}: unknown parameter(s) {unknown}; it takes {names}.")
  missing = [
    p.name
    for p in parameters
    if p.default is inspect.Parameter.empty
    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    and p.name not in params
  ]
  if missing:
    raise TermConfigError(f"{where}: missing parameter(s) {missing}; give them in params.")


class ManagerTerm:
  """A built term: resolved params and a callable (function or class instance).

  Calling it runs the term with its params, checks its first output (when ``output_ndim`` is
  set) and names the term in the error of an unimplemented TODO.
  """

  def __init__(
    self,
    manager: str,
    name: str,
    cfg: ManagerTermBaseCfg,
    env: ManagerBasedRlEnv,
    leading: int,
    output_ndim: int | None = None,
    output_dtype: torch.dtype | None = torch.float32,
  ):
    self.manager = manager
    self.name = name
    self.cfg = cfg
    self.output_ndim = output_ndim
    self.output_dtype = output_dtype
    func = cfg.func
    if not callable(func):
      raise TermConfigError(
        f"{manager} term {name!r}: func must be a function or a class, got {func!r}."
      )
    is_class = inspect.isclass(func)
    check_params(manager, name, func.__call__ if is_class else func, cfg.params, leading + is_class)
    for key, value in cfg.params.items():
      if isinstance(value, SceneEntityCfg):
        try:
          value.resolve(env.scene)
        except (KeyError, ValueError) as err:
          raise TermConfigError(f"{manager} term {name!r}, param {key!r}: {err}") from None
    self.params = cfg.params
    self.checked = output_ndim is None
    # A class term is built after its params are resolved: its __init__ may use the ids.
    self.fn = self._guard(lambda: func(cfg, env)) if is_class else func

  @property
  def where(self) -> str:
    return f"{self.manager} term {self.name!r} ({_callable_name(self.cfg.func)})"

  def _guard(self, call: Callable[[], Any]) -> Any:
    try:
      return call()
    except TodoNotImplemented as err:
      raise TodoNotImplemented(err.todo_id, where=self.where) from None

  def __call__(self, env: ManagerBasedRlEnv, *args: Any) -> Any:
    value = self._guard(lambda: self.fn(env, *args, **self.params))
    if not self.checked:
      check_output(
        self, value, env.num_envs, env.device, ndim=self.output_ndim, dtype=self.output_dtype
      )
      self.checked = True
    return value

  def reset(self, env_ids: torch.Tensor | slice) -> None:
    reset = getattr(self.fn, "reset", None)
    if reset is not None and not inspect.isfunction(self.fn):
      self._guard(lambda: reset(env_ids))


def check_output(
  term: ManagerTerm,
  value: Any,
  num_envs: int,
  device: torch.device,
  *,
  ndim: int,
  dtype: torch.dtype | None = torch.float32,
) -> None:
  """Validate a term's first output: tensor type, shape, dtype, device and finiteness."""
  where = term.where
  expected = "(num_envs,)" if ndim == 1 else "(num_envs, d)"
  if not isinstance(value, torch.Tensor):
    raise TypeError(f"{where} returned {type(value).__name__}; expected a torch.Tensor {expected}.")
  if value.ndim != ndim or value.shape[0] != num_envs:
    raise ValueError(
      f"{where} returned shape {tuple(value.shape)}; expected {expected} with num_envs={num_envs}."
    )
  if dtype is not None and value.dtype != dtype:
    raise TypeError(f"{where} returned dtype {value.dtype}; expected {dtype}.")
  if value.device.type != torch.device(device).type:
    raise ValueError(f"{where} returned a tensor on {value.device}; expected {device}.")
  if value.is_floating_point() and not torch.isfinite(value).all():
    bad = (~torch.isfinite(value)).reshape(num_envs, -1).any(dim=1).nonzero().flatten()[:5].tolist()
    raise ValueError(f"{where} returned NaN or inf (envs {bad}).")
