"""Anomaly indicators: the evidence of circumvention, each defined once as SQL.

Every indicator is a module with ``sql(scope, ...) -> str`` (one SQL text over the
store's views, kept transpilable) and a function of the same name that resolves its
parameters against a store and returns a polars DataFrame with provenance columns
(baseline years, rows behind each figure, source) and a ``status``/``reason`` where a
figure cannot be computed. ``INDICATORS`` lists them for the CLI and other engines.
"""

from tradeflows.indicators.growth import growth

__all__ = ["growth"]
