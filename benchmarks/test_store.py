"""What the store's layout costs a query (store/layout.py, store/vintages.py).

``flows`` is a view over the row tables and ``standing`` leaves out superseded vintages; the
indicators read them through ``figures`` and ``annual``. Resolving vintages must cost the
analytics nothing measurable: one scan-and-sum over ``standing`` is timed against the same
over ``flows`` (every vintage), over the row table itself (``flow_rows``, which holds the
analytical store's rows) and over the portable definition (``views.STANDING_SQL``, a
figure-by-figure anti-join with ``superseded``, which Spark runs). Target: ``standing`` at
most 1.1x ``flows``.
"""

from __future__ import annotations

import duckdb
from bench import BenchData, Result, best_of, measured, record, rounds_for

from tradeflows.store import views

STANDING_MAX_VS_FLOWS = 1.1
_SUM = "SELECT reporter, partner, sum(value_usd) AS v FROM {} GROUP BY ALL"


def test_standing_costs_no_more_than_flows(data: BenchData, benchmark, request) -> None:
    rounds = max(7, rounds_for(request.config, data.rows))  # each round is under a second: noise is the risk
    with duckdb.connect(str(data.store), read_only=True) as con:
        # The portable view, as a query (the store is opened read-only).
        portable = views.STANDING_SQL.split(" AS\n", 1)[1]

        def run(relation: str) -> None:
            con.execute(_SUM.format(relation)).fetchall()

        seconds = measured(benchmark, lambda: run("standing"), rounds=rounds)
        flows = best_of(lambda: run("flows"), rounds=rounds)
        scan = best_of(lambda: run("flow_rows"), rounds=rounds)
        old = best_of(lambda: run(f"({portable})"), rounds=rounds)
    record(Result("sum over standing (vintages resolved)", data.rows, seconds,
                  {"flows": flows, "row table": scan, "portable standing": old},
                  {"flows": ("max", STANDING_MAX_VS_FLOWS)},
                  note="a reporter x partner sum over every row of the store"))  # fmt: skip
