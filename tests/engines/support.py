"""Comparing one result from two engines: same columns, same rows, floats to 1e-9 relative."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

_FLOATS = (pl.Float32, pl.Float64)


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    # Engines differ in integer widths and decimals (DuckDB sums integers to HUGEINT, Spark to
    # BIGINT; literals are DECIMAL in both, of other precisions): compare the numbers.
    casts = {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal) and dtype.scale == 0 or dtype.is_integer():
            casts[name] = pl.Int64
        elif isinstance(dtype, pl.Decimal) or dtype in _FLOATS:
            casts[name] = pl.Float64
    return frame.cast(casts)  # type: ignore[arg-type]


def assert_same_table(duck: pl.DataFrame, spark: pl.DataFrame) -> None:
    """The two engines' tables hold the same rows (in any order) and columns (in order)."""
    assert duck.columns == spark.columns
    assert duck.height == spark.height, f"DuckDB {duck.height} rows, Spark {spark.height}"
    left, right = _normalised(duck), _normalised(spark)
    assert left.schema == right.schema, {c: (left.schema[c], right.schema[c]) for c in left.columns}
    # Sort on the exact columns first, so a last-digit difference in a float cannot reorder rows.
    exact = [c for c, t in left.schema.items() if t != pl.Float64 and not isinstance(t, pl.List | pl.Struct)]
    floats = [c for c, t in left.schema.items() if t == pl.Float64]
    keys = exact + floats
    left = left.sort(keys, nulls_last=True)
    right = right.sort(keys, nulls_last=True)
    assert_frame_equal(left, right, check_dtypes=False, rel_tol=1e-9, abs_tol=1e-9)
