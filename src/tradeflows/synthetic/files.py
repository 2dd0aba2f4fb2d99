"""Write flows in the layouts of the real sources (BACI, legacy Comtrade CSV, Parquet).

Tests and benchmarks feed these files to the readers. Each writer takes a flows frame
(canonical schema), a LazyFrame, or an iterable of frames that each hold whole years (as
``SyntheticWorld.iter_flows()`` yields them), and streams year by year, so a world of
10 million rows is written without a second copy of it in memory.

>>> from tradeflows.synthetic.world import WorldConfig, generate_world
>>> import tempfile, pathlib
>>> world = generate_world(WorldConfig(products=("847130",), years=(2021, 2022)))
>>> out = write_baci_csv(world.iter_flows(), pathlib.Path(tempfile.mkdtemp()) / "baci.csv")
>>> out.read_text().splitlines()[0]
't,i,j,k,v,q'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

import polars as pl
from polars.io.plugins import register_io_source

from tradeflows.reference.countries import country_table, iso3_to_m49
from tradeflows.schema import flows_schema

Flows = pl.DataFrame | pl.LazyFrame | Iterable[pl.DataFrame]

COMTRADE_COLUMNS = (
    "year", "month", "period", "period_desc", "aggregate_level", "is_leaf_code", "trade_code", "trade_flow",
    "reporter_code", "reporter", "partner_code", "partner_iso", "partner", "commodity_code", "commodity",
    "mot_code", "mot_desc", "QtyUnitCode", "QtyUnitAbbr", "Qty", "IsQtyEstimated", "IsNetWgtEstimated",
    "netweight_kg", "trade_value_us", "cifvalue", "fobvalue", "IsReported", "IsAggregate",
)  # fmt: skip
_TRADE_FLOWS = {"X": "Export", "M": "Import", "RX": "Re-export", "RM": "Re-import"}
_QTY_UNIT_CODES = {"u": 5, "kg": 8}  # Comtrade's quantity units: 5 number of items, 8 weight in kg


def write_baci_csv(flows: Flows, path: str | Path, *, codes: Literal["m49", "comtrade"] = "m49") -> Path:
    """Write the export side as CEPII BACI does: ``t,i,j,k,v,q``, v in thousand USD, q in tons.

    k is the HS6 code as an integer (BACI loses leading zeros too); monthly rows are summed
    to years. i and j are M49 numbers; ``codes="comtrade"`` writes Comtrade's own numbers
    instead (842 USA, 251 France, ...), which real BACI files use for a few countries.
    """

    def baci(chunk: pl.DataFrame) -> pl.DataFrame:
        x = chunk.filter(pl.col("flow") == "X", pl.col("hs_level") == 6)
        numbers = _country_codes(x, codes)
        no_weight = pl.col("net_kg").null_count() == pl.len()
        return (
            x.group_by("year", "reporter", "partner", "hs")
            .agg(pl.col("value_usd").sum(), net_kg=pl.when(no_weight).then(None).otherwise(pl.col("net_kg").sum()))
            .select(
                t=pl.col("year").cast(pl.Int32),
                i=pl.col("reporter").replace_strict(numbers, return_dtype=pl.Int32),
                j=pl.col("partner").replace_strict(numbers, return_dtype=pl.Int32),
                k=pl.col("hs").cast(pl.Int32),
                v=pl.col("value_usd") / 1000,
                q=pl.col("net_kg") / 1000,
            )
            .sort("t", "i", "j", "k")
        )

    schema = {"t": pl.Int32, "i": pl.Int32, "j": pl.Int32, "k": pl.Int32, "v": pl.Float64, "q": pl.Float64}
    _stream(flows, baci, schema).sink_csv(path, float_precision=3, null_value="NA")
    return Path(path)


def write_comtrade_csv(flows: Flows, path: str | Path) -> Path:
    """Write both flows with legacy UN Comtrade column names (``trade_value_us``, ``partner_iso`` ...)."""
    table = country_table().select("iso3", "name", "comtrade_code")
    codes = dict(zip(table["iso3"], table["comtrade_code"], strict=True))
    names = dict(zip(table["iso3"], table["name"], strict=True))

    def flag(cond: pl.Expr) -> pl.Expr:
        return pl.when(cond).then(pl.lit("TRUE")).otherwise(pl.lit("FALSE"))

    def comtrade(chunk: pl.DataFrame) -> pl.DataFrame:
        monthly = pl.col("month").is_not_null()
        return chunk.select(
            year=pl.col("year").cast(pl.Int32),
            month=pl.col("month").cast(pl.Int32),
            period=pl.when(monthly)
            .then(pl.format("{}-{}-01", "year", pl.col("month").cast(pl.String).str.zfill(2)))
            .otherwise(pl.col("year").cast(pl.String)),
            period_desc=(
                pl.col("year").cast(pl.Int32) * pl.when(monthly).then(100).otherwise(1)
                + pl.col("month").fill_null(0).cast(pl.Int32)
            ),
            aggregate_level=pl.col("hs_level").cast(pl.Int32),
            is_leaf_code=flag(pl.col("hs_level") == 6),
            trade_code=pl.col("flow"),
            trade_flow=pl.col("flow").replace_strict(_TRADE_FLOWS, default=None),
            reporter_code=pl.col("reporter").replace_strict(codes, default=None, return_dtype=pl.Int32),
            reporter=pl.col("reporter").replace_strict(names, default=pl.col("reporter")),
            partner_code=pl.col("partner").replace_strict(codes, default=None, return_dtype=pl.Int32),
            partner_iso=pl.col("partner"),
            partner=pl.col("partner").replace_strict(names, default=pl.col("partner")),
            commodity_code=pl.col("hs"),
            commodity=pl.format("HS {} (synthetic)", "hs"),
            mot_code=pl.when(pl.col("mode") == "TOTAL").then(0),
            mot_desc=pl.when(pl.col("mode") == "TOTAL").then(pl.lit("TOTAL MOT")).otherwise("mode"),
            QtyUnitCode=pl.col("qty_unit").replace_strict(_QTY_UNIT_CODES, default=None, return_dtype=pl.Int32),
            QtyUnitAbbr=pl.col("qty_unit"),
            Qty=pl.col("qty"),
            IsQtyEstimated=flag(pl.col("qty_flag") == "estimated"),
            IsNetWgtEstimated=flag(pl.col("qty_flag") == "estimated"),
            netweight_kg=pl.col("net_kg"),
            trade_value_us=pl.col("value_usd"),
            cifvalue=pl.col("cif_usd"),
            fobvalue=pl.col("fob_usd"),
            IsReported=flag(pl.col("hs_level") == 6),
            IsAggregate=flag(pl.col("hs_level") != 6),
        )

    empty = pl.DataFrame(schema=flows_schema())
    _stream(flows, comtrade, comtrade(empty).schema).sink_csv(path, null_value="NA")
    return Path(path)


def write_parquet(flows: Flows, path: str | Path) -> Path:
    """Write flows as Parquet in the canonical schema."""
    if isinstance(flows, pl.DataFrame):
        flows.write_parquet(path)
    else:
        _stream(flows, lambda chunk: chunk, flows_schema()).sink_parquet(path)
    return Path(path)


def _country_codes(chunk: pl.DataFrame, codes: str) -> dict[str, int]:
    """ISO3 -> number for the countries in a chunk; unknown codes raise UnknownCountryError."""
    present = set(chunk["reporter"].unique().to_list()) | set(chunk["partner"].unique().to_list())
    if codes == "m49":
        return {c: iso3_to_m49(c) for c in sorted(present)}
    table = country_table().filter(pl.col("iso3").is_in(sorted(present)))
    found = dict(zip(table["iso3"], table["comtrade_code"], strict=True))
    return {c: found[c] if c in found else iso3_to_m49(c) for c in sorted(present)}


def _stream(flows: Flows, transform: Callable[[pl.DataFrame], pl.DataFrame], schema) -> pl.LazyFrame:
    """A LazyFrame that transforms the flows year by year as a sink pulls them."""

    def source(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
        for chunk in _years(flows):
            out = transform(chunk)
            if with_columns is not None:
                out = out.select(with_columns)
            if predicate is not None:
                out = out.filter(predicate)
            yield out

    return register_io_source(source, schema=pl.Schema(schema))


def _years(flows: Flows) -> Iterator[pl.DataFrame]:
    """Whole years of flows, one frame at a time."""
    if isinstance(flows, pl.DataFrame | pl.LazyFrame):
        lazy = flows.lazy()
        years = lazy.select(pl.col("year").unique().sort()).collect()["year"].to_list()
        for year in years:
            yield lazy.filter(pl.col("year") == year).collect().rechunk()
    else:
        yield from flows


def write_comtrade_extract(path: str | Path, rows: int, *, reporter: str = "GEO", first_year: int = 2019,
                           seed: int = 0, chunk_rows: int = 250_000) -> Path:  # fmt: skip
    """A monthly UN Comtrade extract for one reporter at HS6, in the legacy layout of
    ``../shared/data/comtrade/vehicle_trade_georgia.csv``: ``rows`` distinct rows, about
    320 bytes each (the real files' long commodity descriptions), so 1M rows is ~320 MB.

    Row i is a (month, partner, flow, HS6 code) of its own, HS6 codes varying fastest, then
    the flow (imports, with no FOB value, beside exports, with no CIF value), so every row is kept; values are log-normal from ``seed``. Written in chunks of
    ``chunk_rows``: memory stays flat at any size.

    >>> import tempfile, pathlib
    >>> out = write_comtrade_extract(pathlib.Path(tempfile.mkdtemp()) / "c.csv", 3)
    >>> [line.split(",")[:4] for line in out.read_text().splitlines()[1:3]]
    [['2019', '1', '2019-01-01', '201901'], ['2019', '1', '2019-01-01', '201901']]
    """
    import numpy as np

    table = country_table().filter(pl.col("kind") == "country", pl.col("iso3") != reporter)
    partners = table.select("iso3", "name", "comtrade_code")
    (reporter_code,), (reporter_name,) = (country_table().filter(pl.col("iso3") == reporter)[c] for c in
                                          ("comtrade_code", "name"))  # fmt: skip
    # HS6 codes: chapters 01-97, headings 01-20, subheadings 10-90 by tens (9,120 codes).
    codes = pl.DataFrame({"hs": [f"{c:02d}{h:02d}{s:02d}" for c in range(1, 98) if c != 77
                                 for h in range(1, 21) for s in range(10, 100, 10)]})  # fmt: skip
    rng = np.random.default_rng(seed)
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COMTRADE_COLUMNS) + "\n")
        for start in range(0, rows, chunk_rows):
            i = pl.int_range(start, min(start + chunk_rows, rows), eager=True).alias("i")
            n = len(i)
            k, rest = i % len(codes), i // len(codes)
            flow, rest = rest % 2, rest // 2
            p, period = rest % len(partners), rest // len(partners)
            value = np.round(rng.lognormal(10, 2.5, n), 2)
            weight = np.round(value / rng.uniform(2, 40, n), 3)
            frame = pl.DataFrame({
                "year": first_year + period // 12, "month": period % 12 + 1, "hs": codes["hs"].gather(k),
                "flow": flow, "value": value, "weight": weight, "qty": rng.integers(1, 5000, n),
            }).hstack(partners.select(pl.all().gather(p)))  # fmt: skip
            is_import = pl.col("flow") == 0
            out = frame.select(
                year=pl.col("year"), month=pl.col("month"),
                period=pl.format("{}-{}-01", "year", pl.col("month").cast(pl.String).str.zfill(2)),
                period_desc=pl.col("year") * 100 + pl.col("month"),
                aggregate_level=pl.lit(6), is_leaf_code=pl.lit("TRUE"),
                trade_code=pl.when(is_import).then(pl.lit("M")).otherwise(pl.lit("X")),
                trade_flow=pl.when(is_import).then(pl.lit("Import")).otherwise(pl.lit("Export")),
                reporter_code=pl.lit(reporter_code), reporter=pl.lit(reporter_name),
                partner_code=pl.col("comtrade_code"), partner_iso=pl.col("iso3"), partner=pl.col("name"),
                commodity_code=pl.col("hs"),
                commodity=pl.format("Synthetic goods of subheading {}; articles of the kind described in the "
                                    "heading, other than those of the preceding subheadings, n.e.s., excluding parts and accessories", "hs"),
                mot_code=pl.lit(0), mot_desc=pl.lit("TOTAL MOT"), QtyUnitCode=pl.lit(5), QtyUnitAbbr=pl.lit("u"),
                Qty=pl.col("qty"), IsQtyEstimated=pl.lit("FALSE"), IsNetWgtEstimated=pl.lit("TRUE"),
                netweight_kg=pl.col("weight"), trade_value_us=pl.col("value"),
                cifvalue=pl.when(is_import).then(pl.col("value")), fobvalue=pl.when(~is_import).then(pl.col("value")),
                IsReported=pl.lit("FALSE"), IsAggregate=pl.lit("TRUE"),
            )  # fmt: skip
            handle.write(out.write_csv(include_header=False, null_value="NA"))
    return path
