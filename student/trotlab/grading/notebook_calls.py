"""Calls of the notebook's answer functions as JSON: what passes between the two processes that
grade a notebook (trotlab.grading.notebook_answers runs the student's answers,
trotlab.grading.notebook_tests runs the tests), so that neither sees the other's code.

A value is encoded as JSON with tags for what JSON lacks: ``{"tuple": [...]}``,
``{"tensor": nested list, "dtype": "float32"}`` (a torch tensor, on the CPU) and
``{"float": "nan" | "inf" | "-inf"}``; lists, str, bool, int, float and None are themselves; a
dict must have str keys. A call is ``{"name": function, "args": [...], "kwargs": {...}}`` with
encoded values; ``call_key`` is its canonical text, the key of its result.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32
"""Deeper values are refused (the encoder and the decoder recurse)."""
MAX_MESSAGE = 500
"""An error message of an answer or a test is cut to this many characters on either side."""


class Unencodable(TypeError):
  """A value of a type the protocol does not carry."""


def encode(value: Any, depth: int = 0) -> Any:
  """``value`` as JSON data (see the module docstring); raises Unencodable."""
  if depth > MAX_DEPTH:
    raise Unencodable(f"nested deeper than {MAX_DEPTH}")
  if value is None or isinstance(value, (bool, int, str)):
    return value
  if isinstance(value, float):
    return value if math.isfinite(value) else {"float": repr(value)}
  if isinstance(value, tuple):
    return {"tuple": [encode(v, depth + 1) for v in value]}
  if isinstance(value, list):
    return [encode(v, depth + 1) for v in value]
  if isinstance(value, dict) and all(isinstance(k, str) for k in value):
    return {"dict": {k: encode(v, depth + 1) for k, v in value.items()}}
  import torch

  if isinstance(value, torch.Tensor):
    tensor = value.detach().cpu()
    return {"tensor": encode(tensor.tolist(), depth + 1), "dtype": str(tensor.dtype)[6:]}
  number = getattr(value, "item", None)  # a numpy or torch scalar
  if callable(number) and getattr(value, "shape", None) == ():
    return encode(number(), depth)
  raise Unencodable(f"a value of type {type(value).__name__}")


def decode(data: Any, depth: int = 0) -> Any:
  """The value ``encode`` made ``data`` from; raises ValueError on data it cannot have made."""
  if depth > MAX_DEPTH:
    raise ValueError(f"nested deeper than {MAX_DEPTH}")
  if data is None or isinstance(data, (bool, int, float, str)):
    return data
  if isinstance(data, list):
    return [decode(v, depth + 1) for v in data]
  if isinstance(data, dict) and len(data) == 1 and "tuple" in data:
    return tuple(decode(data["tuple"], depth + 1))
  if isinstance(data, dict) and len(data) == 1 and "dict" in data:
    return {str(k): decode(v, depth + 1) for k, v in dict(data["dict"]).items()}
  if isinstance(data, dict) and set(data) == {"float"}:
    return float(data["float"])
  if isinstance(data, dict) and set(data) == {"tensor", "dtype"}:
    import torch

    dtype = getattr(torch, str(data["dtype"]), None)
    if not isinstance(dtype, torch.dtype):
      raise ValueError(f"no torch dtype {data['dtype']!r}")
    return torch.tensor(decode(data["tensor"], depth + 1), dtype=dtype)
  raise ValueError(f"not an encoded value: {str(data)[:80]}")


def call(name: str, args: tuple, kwargs: dict) -> dict:
  """The encoded call ``name(*args, **kwargs)``; raises Unencodable."""
  return {"name": name, "args": encode(list(args)), "kwargs": encode(kwargs)}


def call_key(encoded_call: dict) -> str:
  """The canonical text of an encoded call (sorted keys, no spaces)."""
  return json.dumps(encoded_call, sort_keys=True, separators=(",", ":"), allow_nan=False)
