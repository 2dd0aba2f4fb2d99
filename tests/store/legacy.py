"""Stores as earlier versions wrote them, made from a store of this version, for the upgrade tests."""

from __future__ import annotations

import tradeflows
from tradeflows.store import layout, rollup, views


def as_version_3(store: tradeflows.Store) -> None:
    """Rewrite ``store`` in place as version 3 wrote it: one table ``flows`` with every
    canonical column of every row, no row tables, the portable ``standing`` view."""
    with store.connect(read_only=False) as con:
        con.execute("CREATE TABLE __flows_v3 AS SELECT * FROM flows")
        con.execute("DROP VIEW flows")
        for table in (*map(layout.compact_table, layout.compact_runs(con)), layout.FULL_TABLE, layout.CONSTANTS_TABLE):
            con.execute(f"DROP TABLE {table}")
        con.execute("ALTER TABLE __flows_v3 RENAME TO flows")
        for sql in views.VIEWS_SQL:
            con.execute(rollup.ANNUAL_SQL if sql is views.ANNUAL_SQL else sql)
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
