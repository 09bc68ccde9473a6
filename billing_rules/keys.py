"""Fast joins on text keys (contract, premises and meter ids).

A million contracts and several million readings are joined on ids that are text (meter ids keep
their leading zeros).  Hash joins on Python strings cost seconds at that size, so ids are turned into
integer positions once, with Arrow's hash kernels where available, and everything after that joins
on integers.  Meter ids are 8 digits as printed, so their numeric value is a lossless integer key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

try:  # pyarrow is a dependency of the project; the fallback keeps the engine usable without it
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover
    pa = None
    pc = None


def _arrow(values: pd.Series | np.ndarray) -> pa.Array:
    if isinstance(values, pd.Series):
        values = values.array
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def positions(values: pd.Series | np.ndarray | list[pd.Series | np.ndarray],
              universe: pd.Series | np.ndarray) -> np.ndarray:
    """Position of each value in ``universe`` (unique ids), -1 where absent or missing.

    ``values`` may be a list of columns: they are looked up against one hash of the universe.
    """
    parts = values if isinstance(values, list) else [values]
    if sum(len(p) for p in parts) == 0:
        return np.zeros(0, dtype=np.int64)
    if pc is None:  # pragma: no cover
        index = pd.Index(np.asarray(universe, dtype=object))
        return np.concatenate([index.get_indexer(np.asarray(p, dtype=object)) for p in parts])
    chunks = pa.chunked_array([_arrow(p) for p in parts], type=pa.string())
    found = pc.index_in(chunks, value_set=_arrow(universe))
    return np.asarray(found.fill_null(-1).to_numpy(), dtype=np.int64)


def codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct values (like pandas.factorize, but fast on Arrow strings)."""
    if pc is None:  # pragma: no cover
        c, u = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
        return c.astype(np.int64), np.asarray(u, dtype=object)
    enc = _arrow(values).dictionary_encode()
    idx = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return idx, np.asarray(enc.dictionary.to_pylist(), dtype=object)


def meter_numbers(meter_ids: pd.Series | np.ndarray) -> np.ndarray:
    """8-digit meter ids as integers (-1 for missing); the loader has checked they are digits."""
    if len(meter_ids) == 0:
        return np.zeros(0, dtype=np.int64)
    if pc is None:  # pragma: no cover
        return pd.to_numeric(pd.Series(meter_ids, dtype=object), errors="coerce").fillna(-1).to_numpy(np.int64)
    num = pc.cast(_arrow(meter_ids), pa.int64())
    return np.asarray(num.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
