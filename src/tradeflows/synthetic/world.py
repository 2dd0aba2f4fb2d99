"""A synthetic trade world with sanctions-circumvention patterns planted at known places.

Every bilateral HS6 flow is reported twice, as exports by the exporter (FOB) and as imports
by the importer (CIF, about 5% more, plus noise). Ordinary trade has gravity-like levels,
trends, noise and a few ordinary shocks (``world.decoys``); from the sanction year the
patterns the indicators must find are planted (``world.planted``): direct exports of
sanctioned goods to the targets collapse, the same goods surge into hubs and on to the
targets, new flows appear, a few unit values and mirror gaps go wrong, exempt sibling codes
of sanctioned headings surge into some hubs, and one hub absorbs imports it never sends on. With the same
seed, ``plant=False`` gives the same world without them: the counterfactual.

Codes are HS2022 throughout, but rows carry the revision in force in their year, so a few
codes (8806xx, 851713, 880730 ...) appear under a revision that did not have them: the
world is as if already converted to HS2022.

>>> small = WorldConfig(products=("847130", "870323", "080810"), years=(2020, 2021, 2022))
>>> world = generate_world(small)
>>> world.flows.schema == flows_schema()
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import polars as pl

from tradeflows.errors import ParameterError
from tradeflows.reference.chpl import get_chpl
from tradeflows.reference.countries import country_table
from tradeflows.reference.groups import BUILTIN_GROUPS
from tradeflows.schema import flows_schema, infer_hs_version

CHPL = get_chpl().codes
CARS = ("870321", "870322", "870323", "870324", "870331", "870332", "870333",
        "870340", "870350", "870360", "870370", "870380", "870390")  # fmt: skip
COMPUTERS = ("847130", "847141", "847149", "847150")
SMARTPHONES = ("851713",)
UAV = ("880621", "880622")  # HS2022 heading 8806: unmanned aircraft
SANCTIONED_BASKETS = {"cars": CARS, "computers": COMPUTERS, "smartphones": SMARTPHONES, "uav": UAV, "chpl": CHPL}
ORDINARY = (  # everyday goods, plus exempt siblings of sanctioned codes (847160, 848280, 851714 ...)
    "080810", "271019", "610910", "940360", "300490", "841810", "392690", "720851", "090111", "100199",
    "020230", "040690", "080510", "170199", "220421", "220830", "240220", "330499", "340290", "401110",
    "440711", "481910", "620342", "640399", "690721", "700721", "730890", "732393", "760429", "841510",
    "842211", "845011", "851610", "852872", "870899", "940161", "950300", "961900", "151211", "190531",
    "210690", "310520", "847160", "847170", "848280", "853650", "854143", "851714",
)  # fmt: skip
DEFAULT_PRODUCTS = tuple(dict.fromkeys(CHPL + CARS + COMPUTERS + SMARTPHONES + UAV + ORDINARY))
DEFAULT_COUNTRIES = (
    "DEU", "FRA", "ITA", "NLD", "POL", "FIN", "USA", "GBR", "JPN", "KOR", "CHE", "CAN", "TWN",
    "ARM", "GEO", "KAZ", "KGZ", "UZB", "TUR", "ARE", "RUS", "BLR",
    "CHN", "IND", "BRA", "EGY", "VNM", "MEX", "ZAF", "IDN",
)  # fmt: skip
# GDP 2021 in USD bn, rounded (World Bank WDI; Taiwan: IMF WEO): sets the scale of each country's trade.
_GDP_BN = {"USA": 23300, "CHN": 17700, "JPN": 5000, "DEU": 4260, "IND": 3150, "GBR": 3120, "FRA": 2960,
           "ITA": 2110, "CAN": 2000, "KOR": 1810, "RUS": 1840, "BRA": 1650, "MEX": 1270, "IDN": 1190,
           "NLD": 1010, "TUR": 820, "CHE": 800, "TWN": 775, "POL": 680, "ARE": 415, "EGY": 420, "ZAF": 420,
           "VNM": 366, "FIN": 297, "KAZ": 197, "UZB": 70, "BLR": 68, "GEO": 19, "ARM": 14, "KGZ": 9}  # fmt: skip
# (HS prefix, unit, USD per unit, kg per unit): rough world averages, for plausible unit values.
_TRAITS = (("8703", "u", 22000, 1400), ("847130", "u", 550, 2.5), ("8471", "u", 900, 8), ("851713", "u", 230, 0.3),
           ("880621", "u", 450, 0.4), ("880622", "u", 1600, 3), ("8542", "u", 1.5, 0.002), ("8541", "u", 0.2, 0.001),
           ("8532", "u", 0.05, 0.0005), ("8517", "u", 300, 2), ("8525", "u", 400, 1.5), ("8526", "u", 700, 3),
           ("8457", "u", 180000, 6000), ("8458", "u", 120000, 5000), ("8459", "u", 90000, 4000),
           ("8486", "u", 900000, 8000), ("9013", "u", 900, 2), ("9014", "u", 3000, 5), ("9027", "u", 12000, 30),
           ("9030", "u", 2500, 6), ("8418", "u", 450, 60), ("8415", "u", 500, 40), ("8422", "u", 380, 45),
           ("8450", "u", 330, 65), ("8516", "u", 120, 10), ("8528", "u", 300, 12), ("8543", "u", 1500, 5))  # fmt: skip
_USD_PER_KG = {range(1, 25): 3.0, range(25, 28): 0.6, range(28, 39): 5.0, range(39, 41): 4.0, range(41, 50): 1.5,
               range(50, 65): 14.0, range(65, 72): 2.0, range(72, 84): 2.5, range(84, 88): 25.0,
               range(88, 89): 250.0, range(89, 93): 90.0, range(93, 100): 6.0}  # fmt: skip
_DENSITY = 0.6  # share of (exporter, importer, product) cells with trade in the default world
MAX_ROWS = 50_000_000


@dataclass(frozen=True)
class Calibration:
    """Scale a planted surge so that a published ratio holds exactly in the world.

    The surge multiplies cells from ``origins`` into each of ``importers``; the ratio is
    mean(post) / mean(baseline) of the importer's imports (``side="M"``, as it reports
    them) or the partners' exports (``side="X"``) of ``basket`` from ``measured_from``
    (None: all partners). Cells in a block are not touched by later surges. A calibration
    whose years the world does not cover is skipped.
    """

    importers: tuple[str, ...]
    basket: str
    ratio: float
    origins: tuple[str, ...] = ("coalition", "CHN")
    measured_from: tuple[str, ...] | None = None
    side: Literal["M", "X"] = "M"
    baseline: tuple[int, ...] = (2021,)
    post: tuple[int, ...] = (2022,)
    source: str = ""


DEFAULT_CALIBRATIONS = (
    # Not checked here against a primary source: figures as they circulate in policy analyses.
    Calibration(("KAZ", "KGZ"), "chpl", 1.64, ("CHN",), ("CHN",), "X", (2019, 2020, 2021), (2022, 2023, 2024),
                "Chinese CHPL exports to Kazakhstan and Kyrgyzstan, +64% against 2019-2021"),
    Calibration(("KAZ",), "computers", 7.0, source="Kazakhstan's imports of computers (HS 8471), 2022 ~7x 2021"),
    # UN Comtrade, HS 8703, Armenia and Georgia as reporters (as published with the Tvyal
    # newsletter, 2024-01-19): car imports 2022/2021 = 599/105 (Armenia), 1714/935 (Georgia).
    Calibration(("ARM",), "cars", 5.7, ("coalition",), source="UN Comtrade: Armenia's car imports 2022/2021"),
    Calibration(("GEO",), "cars", 1.8, ("coalition",), source="UN Comtrade: Georgia's car imports 2022/2021"),
)  # fmt: skip


@dataclass(frozen=True)
class WorldConfig:
    """What to generate; the plant parameters default to published figures where there are any."""

    countries: tuple[str, ...] = DEFAULT_COUNTRIES
    products: tuple[str, ...] = DEFAULT_PRODUCTS
    years: tuple[int, ...] = tuple(range(2017, 2025))
    monthly: bool = False
    target_rows: int | None = None  # add countries/products (or thin trade) to get about this many rows
    seed: int = 7
    plant: bool = True
    sanction_year: int = 2022
    # EBRD "Eurasian roundabout" difference-in-differences: exports of sanctioned goods to
    # Russia about -80%, into Armenia/Kazakhstan/Kyrgyzstan about +30% against other goods.
    direct_drop: float = 0.2
    hub_surge: float = 1.3
    supplier_shift: float = 2.0  # illustrative: China replacing coalition suppliers of the targets
    pass_through: float = 0.6  # illustrative: share of a hub's extra imports sent on to the targets
    target_shares: tuple[tuple[str, float], ...] = (("RUS", 0.85), ("BLR", 0.15))
    calibrations: tuple[Calibration, ...] = DEFAULT_CALIBRATIONS
    new_flows: int = 6
    # (exporter, importer, basket, unit-value factor) and (exporter, importer, basket, imports/exports)
    unit_value_anomalies: tuple[tuple[str, str, str, float], ...] = (
        ("ARE", "RUS", "smartphones", 0.4), ("USA", "KGZ", "computers", 3.0))  # fmt: skip
    mirror_gaps: tuple[tuple[str, str, str, float], ...] = (
        ("DEU", "KGZ", "sanctioned", 0.35), ("ITA", "UZB", "sanctioned", 0.5))  # fmt: skip
    decoys: int = 40
    # Goods declared under an unsanctioned code of a sanctioned heading (848280 beside the CHPL's
    # bearings 8482xx, 851714 beside 851713/8517xx): (code, factor) from the coalition into
    # ``sibling_importers`` (hubs outside the EBRD's treated three, so the DiD keeps its figure).
    exempt_siblings: tuple[tuple[str, float], ...] = (("848280", 3.0), ("851714", 3.0))
    sibling_importers: tuple[str, ...] = ("GEO", "UZB", "TUR", "ARE")
    # (hub, basket, ratio): the hub's imports of the basket from origins outside the coalition
    # rise until all its imports reach ``ratio`` x the baseline, and none of it is sent on.
    absorption: tuple[tuple[str, str, float], ...] = (("KGZ", "smartphones", 3.0),)


@dataclass(frozen=True, eq=False)
class _Core:
    e: np.ndarray  # exporter index per cell
    m: np.ndarray  # importer index per cell
    k: np.ndarray  # product index per cell
    vx: np.ndarray  # (cells, years) exports FOB in USD, as the exporter reports them
    vm: np.ndarray  # (cells, years) imports CIF in USD, as the importer reports them
    uv: np.ndarray  # (cells, years) USD per qty unit
    qmf: np.ndarray  # (cells, years) importer's qty / exporter's qty
    kgu: np.ndarray  # (cells,) kg per qty unit
    months: np.ndarray | None  # (cells, years, 12) monthly shares


@dataclass(frozen=True, eq=False)
class SyntheticWorld:
    """A generated world: ``flows`` (canonical schema), ``planted``, ``decoys``, ``config``."""

    config: WorldConfig
    countries: tuple[str, ...]
    products: pl.DataFrame
    planted: pl.DataFrame
    decoys: pl.DataFrame
    _core: _Core = field(repr=False)

    @cached_property
    def flows(self) -> pl.DataFrame:
        return pl.concat(list(self.iter_flows()), rechunk=False)

    def iter_flows(self) -> Iterator[pl.DataFrame]:
        """The flows one year at a time, to write big worlds without holding them whole."""
        for yi, year in enumerate(self.config.years):
            yield _year_frame(self, yi, year)


def generate_world(config: WorldConfig | None = None) -> SyntheticWorld:
    """Generate the world ``config`` describes (same config and seed, same frames)."""
    cfg = config or WorldConfig()
    _validate(cfg)
    rng = np.random.default_rng(cfg.seed)
    countries, products = _layout(cfg, rng)
    n, p, years = len(countries), len(products), np.array(cfg.years)
    is_ = {g: np.array([c in BUILTIN_GROUPS[g] for c in countries]) for g in ("coalition", "hubs", "targets")}
    coal, hub, tgt, chn = is_["coalition"], is_["hubs"], is_["targets"], np.array([c == "CHN" for c in countries])
    sanc = np.isin(products, sum(SANCTIONED_BASKETS.values(), ()))
    gdp = np.array([_GDP_BN.get(c, np.nan) for c in countries])
    gdp = np.where(np.isnan(gdp), rng.lognormal(math.log(30), 1.0, n), gdp)

    # Cells: every (exporter, importer, product) with trade; the sanctioned goods between
    # the roles the plants use always trade, so plant=False is the same world unplanted.
    grid = np.meshgrid(np.arange(n), np.arange(n), np.arange(p), indexing="ij")
    e, m, k = (a.ravel().astype(np.int32) for a in grid)
    e, m, k = e[e != m], m[e != m], k[e != m]
    src, dst = coal | chn, hub | tgt
    forced = sanc[k] & ((src[e] & dst[m]) | (hub[e] & tgt[m]))
    w = np.exp(0.35 * (np.log(gdp) - np.log(gdp).mean()) / np.log(gdp).std())
    rel = w[e] * w[m] / np.mean(w[e] * w[m])  # big economies trade more products
    density = _DENSITY
    if cfg.target_rows is not None:  # bisect the density; forced cells count towards the target
        want, lo, hi = cfg.target_rows / (2 * years.size * (12 if cfg.monthly else 1)) - forced.sum(), 0.0, 1.0
        for _ in range(30):
            density = (lo + hi) / 2
            lo, hi = (density, hi) if np.minimum(density * rel[~forced], 0.98).sum() < want else (lo, density)
    active = forced | (rng.random(e.size) < np.minimum(density * rel, 0.98))
    e, m, k = e[active], m[active], k[active]
    nc, ny = e.size, years.size

    # Ordinary trade: heavy-tailed levels, a trend per cell, yearly noise, a 2020 dip.
    pair = rng.normal(0, 0.7, (n, n)) + 1.0 * ((dst[:, None] & tgt[None, :]) | (tgt[:, None] & hub[None, :]))
    level = (math.log(2e5) + 0.9 * np.log(gdp[e] / 500) + 0.8 * np.log(gdp[m] / 500)
             + rng.normal(0, 0.8, p)[k] + pair[e, m] + rng.normal(0, 1.1, nc))  # fmt: skip
    trend = np.clip(rng.normal(0.03, 0.04, nc), -0.06, 0.10)
    noise = np.clip(rng.normal(0, 0.07, (nc, ny)), -0.15, 0.15) - 0.08 * (years == 2020)
    v0 = np.exp(level[:, None] + trend[:, None] * (years - years[0]) + noise)
    cif = 1.05 * np.exp(np.clip(rng.normal(0, 0.015, (n, n)), -0.04, 0.04))
    wm = cif[e, m][:, None] * np.exp(np.clip(rng.normal(0, 0.04, (nc, ny)), -0.1, 0.1))
    uv_prod, kg_prod, unit = _traits(products)
    uv = uv_prod[k][:, None] * np.exp(rng.normal(0, 0.25, (nc, 1)) + np.clip(rng.normal(0, 0.04, (nc, ny)), -0.1, 0.1))
    kgu = kg_prod[k] * np.where(unit[k] == "u", np.exp(rng.normal(0, 0.1, nc)), 1.0)
    qmf = np.exp(np.clip(rng.normal(0, 0.02, (nc, ny)), -0.05, 0.05))
    months = None
    if cfg.monthly:
        season = 1 + 0.1 * np.sin(2 * np.pi * np.arange(12) / 12 + rng.uniform(0, 2 * np.pi, nc)[:, None, None])
        months = season * rng.gamma(20.0, 1 / 20, (nc, ny, 12))
        months /= months.sum(axis=2, keepdims=True)

    ctx = _Ctx(np.array(countries), np.array(products), e, m, k, years, cfg, coal, hub, tgt, chn, sanc[k])
    decoys = _shock_decoys(ctx, rng, v0, ~sanc[k] & ~dst[m] & (level > np.median(level)))
    vx = v0.copy()
    planted = _plant(ctx, rng, v0, vx, wm, uv, qmf) if cfg.plant else ctx.frame([])
    core = _Core(e, m, k, vx, vx * wm, uv, qmf, kgu, months)
    prod_frame = pl.DataFrame({"hs": products, "basket": [_basket_of(c) for c in products],
                               "chpl_tier": [get_chpl().tier_of(c) for c in products], "unit": unit,
                               "usd_per_unit": uv_prod, "kg_per_unit": kg_prod,
                               "filler": [c not in cfg.products for c in products]})  # fmt: skip
    return SyntheticWorld(cfg, countries, prod_frame, planted, decoys, core)


@dataclass(frozen=True, eq=False)
class _Ctx:
    names: np.ndarray
    codes: np.ndarray
    e: np.ndarray
    m: np.ndarray
    k: np.ndarray
    years: np.ndarray
    cfg: WorldConfig
    coal: np.ndarray  # roles, as masks over countries
    hub: np.ndarray
    tgt: np.ndarray
    chn: np.ndarray
    sk: np.ndarray  # cells of sanctioned goods

    def rows(self, kind, cells, factor, note, *, origin="e", hub=None, target=None, start=None) -> pl.DataFrame:
        """Planted-frame rows for ``cells``; origin/hub/target name a role ('e', 'm') or are fixed."""
        cells = np.asarray(cells, dtype=np.int64)

        def who(role):
            if role in ("e", "m"):
                return self.names[(self.e if role == "e" else self.m)[cells]].tolist()
            return [role] * cells.size

        factor = np.broadcast_to(np.asarray(factor, dtype=float), cells.shape)
        return pl.DataFrame({
            "kind": [kind] * cells.size, "origin": who(origin), "hub": who(hub), "target": who(target),
            "exporter": who("e"), "importer": who("m"), "hs": self.codes[self.k[cells]].tolist(),
            "basket": [_basket_of(c) for c in self.codes[self.k[cells]]],
            "start_year": np.broadcast_to(self.cfg.sanction_year if start is None else start, cells.shape).tolist(),
            "factor": [None if math.isnan(f) else float(f) for f in factor],
            "note": np.broadcast_to(np.asarray(note), cells.shape).tolist(),
        }, schema=_PLANTED_SCHEMA)  # fmt: skip

    def frame(self, parts: list[pl.DataFrame]) -> pl.DataFrame:
        out = pl.concat(parts) if parts else pl.DataFrame(schema=_PLANTED_SCHEMA)
        return out.sort("kind", "exporter", "importer", "hs", "target", nulls_last=True)

    def mask(self, names) -> np.ndarray:
        """Countries given by ISO3 or group name, as a mask over countries."""
        wanted = {c for n in names for c in (BUILTIN_GROUPS[n].members if n in BUILTIN_GROUPS else (n,))}
        return np.isin(self.names, sorted(wanted))

    def basket(self, name) -> np.ndarray:
        """Cells whose product is in the basket ('sanctioned' = all sanctioned baskets)."""
        codes = sum(SANCTIONED_BASKETS.values(), ()) if name == "sanctioned" else SANCTIONED_BASKETS[name]
        return np.isin(self.codes, codes)[self.k]


_PLANTED_SCHEMA = {"kind": pl.String, "origin": pl.String, "hub": pl.String, "target": pl.String,
                   "exporter": pl.String, "importer": pl.String, "hs": pl.String, "basket": pl.String,
                   "start_year": pl.Int16, "factor": pl.Float64, "note": pl.String}  # fmt: skip


def _plant(ctx: _Ctx, rng, v0, vx, wm, uv, qmf) -> pl.DataFrame:
    """Plant every pattern into ``vx``, ``wm``, ``uv``, ``qmf`` in place; return the planted rows."""
    cfg, e, m, k, years = ctx.cfg, ctx.e, ctx.m, ctx.k, ctx.years
    coal, hub, tgt, chn, sk = ctx.coal, ctx.hub, ctx.tgt, ctx.chn, ctx.sk
    n, post = ctx.names.size, years >= cfg.sanction_year
    mult, claimed, parts = np.ones(e.size), np.zeros(e.size, bool), []

    def kind_of(cells):
        return np.where(hub[m[cells]] & sk[cells], "reexport_route", "surge")

    for cal in cfg.calibrations:
        if not set(cal.baseline + cal.post) <= set(years.tolist()):
            continue  # the world does not cover the years the figure is about
        block = np.flatnonzero(np.isin(m, np.flatnonzero(ctx.mask(cal.importers))) & ctx.basket(cal.basket)
                               & (ctx.mask(cal.measured_from)[e] if cal.measured_from else True))  # fmt: skip
        if block.size == 0:
            continue
        mine = ctx.mask(cal.origins)[e[block]] & ~claimed[block]
        val = v0[block] * (wm[block] if cal.side == "M" else 1.0)
        base = np.bincount(m[block], val[:, np.isin(years, cal.baseline)].sum(1), n) / len(cal.baseline)
        after = val[:, np.isin(years, cal.post)].sum(1)
        fixed = np.bincount(m[block][~mine], (after * mult[block])[~mine], n)
        movable = np.bincount(m[block][mine], after[mine], n)
        factor = np.clip((cal.ratio * base * len(cal.post) - fixed) / np.maximum(movable, 1e-9), 1.0, 500.0)
        cells = block[mine]
        mult[cells], claimed[block] = factor[m[cells]], True
        note = f"calibrated: {cal.source} (ratio {cal.ratio}, {cal.side} side)"
        for kind in ("reexport_route", "surge"):
            sel = cells[kind_of(cells) == kind]
            parts += [ctx.rows(kind, sel, mult[sel], note, hub="m", target=t) for t in _targets(ctx, kind)]

    cand = np.flatnonzero(coal[e] & hub[m] & sk & ~claimed)
    new = np.sort(rng.choice(cand, min(cfg.new_flows, cand.size), replace=False))
    vx[np.ix_(new, ~post)], claimed[new] = 0.0, True
    parts.append(ctx.rows("new_flow", new, np.nan, "no trade before the sanction year", hub="m"))

    surge = np.flatnonzero((coal | chn)[e] & hub[m] & sk & ~claimed)
    mult[surge] = cfg.hub_surge
    parts += [ctx.rows("reexport_route", surge, cfg.hub_surge, "hub surge (EBRD: about +30%)", hub="m", target=t)
              for t in _targets(ctx, "reexport_route")]  # fmt: skip
    moved = np.flatnonzero(mult != 1.0)
    vx[np.ix_(moved, post)] *= mult[moved, None]

    # Re-export leg: each hub sends pass_through of its extra imports of a good to the targets.
    into_hubs = moved[hub[m[moved]] & sk[moved]]
    p = ctx.codes.size
    extra = vx[into_hubs][:, post] - v0[into_hubs][:, post]
    key = m[into_hubs] * p + k[into_hubs]
    delta = np.stack([np.bincount(key, extra[:, j], n * p) for j in range(extra.shape[1])], axis=1)
    shares = dict(cfg.target_shares)
    share = np.array([shares.get(c, 0.0) for c in ctx.names]) * tgt
    share = share / share.sum() if share.sum() > 0 else share
    legs = np.flatnonzero(hub[e] & tgt[m] & sk)
    vx[np.ix_(legs, post)] += cfg.pass_through * share[m[legs], None] * delta[e[legs] * p + k[legs]]
    note, factor = "additive: pass_through x target share x the hub's extra imports", cfg.pass_through * share[m[legs]]
    parts.append(ctx.rows("reexport_leg", legs, factor, note, origin=None, hub="e", target="m"))

    for kind, src, factor, note in (
        ("direct_drop", coal, cfg.direct_drop, "EBRD: about -80% to Russia"),
        ("supplier_shift", chn, cfg.supplier_shift, "China replaces coalition suppliers"),
    ):
        cells = np.flatnonzero(src[e] & tgt[m] & sk)
        vx[np.ix_(cells, post)] *= factor
        parts.append(ctx.rows(kind, cells, factor, note, target="m"))

    for kind, specs, arr in (("unit_value", cfg.unit_value_anomalies, uv), ("mirror_gap", cfg.mirror_gaps, None)):
        for exp_, imp, basket, factor in specs:
            cells = np.flatnonzero((ctx.names[e] == exp_) & (ctx.names[m] == imp) & ctx.basket(basket))
            if arr is None:  # exports shipped but never recorded as imports: value and qty both
                wm[np.ix_(cells, post)] *= factor
                qmf[np.ix_(cells, post)] *= factor
            else:
                arr[np.ix_(cells, post)] *= factor
            role = "target" if tgt[ctx.names == imp].any() else "hub"
            parts.append(ctx.rows(kind, cells, factor, f"{kind.replace('_', ' ')} x{factor}", **{role: "m"}))

    into = ctx.mask(cfg.sibling_importers)[m]
    for code, factor in cfg.exempt_siblings:
        cells = np.flatnonzero(coal[e] & into & (ctx.codes[k] == code))
        vx[np.ix_(cells, post)] *= factor
        parts.append(ctx.rows("exempt_sibling", cells, factor, f"declared under the exempt sibling {code}", hub="m"))
    for hub_name, basket, target_ratio in cfg.absorption:
        block = np.flatnonzero((ctx.names[m] == hub_name) & ctx.basket(basket))
        if block.size == 0:
            continue
        val = vx[block] * wm[block]  # as the hub reports its imports
        base = val[:, ~post].sum() / max((~post).sum(), 1)
        mine = ~coal[e[block]]
        fixed, movable = val[~mine][:, post].sum(), val[mine][:, post].sum()
        factor = float(np.clip((target_ratio * base * post.sum() - fixed) / max(movable, 1e-9), 1.0, 500.0))
        cells = block[mine]
        vx[np.ix_(cells, post)] *= factor
        note = f"absorbed: {hub_name}'s imports of {basket} x{target_ratio} from non-coalition origins, none sent on"
        parts.append(ctx.rows("absorption", cells, factor, note, hub="m"))
    return ctx.frame(parts)


def _targets(ctx, kind) -> list[str | None]:
    if kind != "reexport_route":
        return [None]
    return [t for t in BUILTIN_GROUPS["targets"].members if t in ctx.names]


def _shock_decoys(ctx, rng, v0, eligible) -> pl.DataFrame:
    """Double or halve some ordinary goods into ordinary destinations, for ordinary reasons."""
    cand = np.flatnonzero(eligible)
    cells = np.sort(rng.choice(cand, min(ctx.cfg.decoys, cand.size), replace=False))
    start = rng.choice(ctx.years[2:], cells.size) if ctx.years.size > 2 else np.full(cells.size, ctx.years[-1])
    factor = rng.choice([0.5, 2.0], cells.size)
    v0[cells] *= np.where(ctx.years[None, :] >= start[:, None], factor[:, None], 1.0)
    return ctx.frame([ctx.rows("ordinary_shock", cells, factor, "ordinary demand or supply shock", start=start)])


def _year_frame(world: SyntheticWorld, yi: int, year: int) -> pl.DataFrame:
    c = world._core
    keep = np.flatnonzero(c.vx[:, yi] > 0)
    vx, vm = c.vx[keep, yi], c.vm[keep, yi]
    qx = vx / c.uv[keep, yi]
    qm = qx * c.qmf[keep, yi]
    e, m, k, kgu = c.e[keep], c.m[keep], c.k[keep], c.kgu[keep]
    month = None
    if c.months is not None:
        share = c.months[keep, yi, :]
        vx, vm, qx, qm = ((a[:, None] * share).ravel() for a in (vx, vm, qx, qm))
        e, m, k, kgu = (np.repeat(a, 12) for a in (e, m, k, kgu))
        month = np.tile(np.arange(1, 13, dtype=np.int8), keep.size)
    names = pl.Series(world.countries)
    codes = pl.Series(world.products["hs"])
    units = world.products["unit"]
    is_m = np.repeat(np.array([False, True]), vx.size)
    q = np.concatenate([qx, qm])
    frame = pl.DataFrame({
        "reporter": names.gather(np.concatenate([e, m])), "partner": names.gather(np.concatenate([m, e])),
        "is_m": is_m, "hs": codes.gather(np.concatenate([k, k])), "value_usd": np.round(np.concatenate([vx, vm]), 2),
        "qty": q, "qty_unit": units.gather(np.concatenate([k, k])), "net_kg": q * np.concatenate([kgu, kgu]),
        "month": None if month is None else np.concatenate([month, month]),
    })  # fmt: skip
    schema = flows_schema()
    return frame.select(
        source=pl.lit("synthetic"), ingest_id=pl.lit(0), line=pl.lit(None), year=pl.lit(year),
        month=pl.col("month"), reporter="reporter", partner="partner", partner2=pl.lit(None),
        flow=pl.when("is_m").then(pl.lit("M")).otherwise(pl.lit("X")),
        hs_version=pl.lit(infer_hs_version(year)), hs_level=pl.lit(6), hs="hs", value_usd="value_usd",
        cif_usd=pl.when("is_m").then("value_usd"), fob_usd=pl.when(~pl.col("is_m")).then("value_usd"),
        qty="qty", qty_unit="qty_unit", net_kg="net_kg", qty_flag=pl.lit(None), mode=pl.lit("TOTAL"),
        customs=pl.lit(None), partner_basis=pl.when("is_m").then(pl.lit("origin")).otherwise(pl.lit("destination")),
    ).cast(schema)  # fmt: skip


def _basket_of(code: str) -> str:
    return next((name for name, codes in SANCTIONED_BASKETS.items() if code in codes), "ordinary")


def _traits(products) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """USD per unit, kg per unit and unit ('u' or 'kg') of each product."""
    out = []
    for code in products:
        hit = next((t for t in _TRAITS if code.startswith(t[0])), None)
        if hit:
            out.append((hit[2], hit[3], hit[1]))
        else:
            usd = next(v for r, v in _USD_PER_KG.items() if int(code[:2]) in r)
            out.append((usd, 1.0, "kg"))
    usd, kg, unit = zip(*out, strict=True)
    return np.array(usd, float), np.array(kg, float), pl.Series(unit, dtype=pl.String)


def _layout(cfg: WorldConfig, rng) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Countries and products: the configured ones, plus spare countries and filler codes for big targets."""
    countries, products = list(cfg.countries), list(cfg.products)
    cells = (cfg.target_rows or 0) / (2 * len(cfg.years) * (12 if cfg.monthly else 1))
    n, p = len(countries), len(products)
    if cells <= n * (n - 1) * p * _DENSITY:
        return tuple(countries), tuple(products)
    table = country_table().filter(pl.col("kind") == "country", pl.col("m49").is_not_null())
    spare = [c for c in table["iso3"].to_list() if c not in countries]
    grow = round(n * (cells / (n * (n - 1) * p * _DENSITY)) ** 0.25) - n
    countries += rng.permutation(np.array(spare))[: max(grow, 0)].tolist()
    n = len(countries)
    products += _filler_codes(math.ceil(cells / (_DENSITY * n * (n - 1))) - p, set(products))
    return tuple(countries), tuple(products)


def _filler_codes(count: int, taken: set[str]) -> list[str]:
    """HS-shaped codes (real chapter, made-up subheading) for ordinary filler products."""
    chapters = [c for c in range(1, 98) if c not in (77, 84, 85, 87, 88, 90, 93)]
    out: list[str] = []
    for heading in range(1, 100):
        for sub in (90, 10, 20, 30, 40, 50, 60, 80):
            for ch in chapters:
                if len(out) >= count:
                    return out
                code = f"{ch:02d}{heading:02d}{sub:02d}"
                if code not in taken:
                    out.append(code)
    return out


def _validate(cfg: WorldConfig) -> None:
    known = set(country_table().filter(pl.col("kind") == "country", pl.col("m49").is_not_null())["iso3"].to_list())
    bad = [c for c in cfg.countries if c not in known]
    if bad or len(set(cfg.countries)) != len(cfg.countries) or len(cfg.countries) < 2:
        raise ParameterError(f"countries must be 2+ distinct ISO3 country codes; unknown or repeated: {bad!r}")
    bad = [c for c in cfg.products if not (isinstance(c, str) and len(c) == 6 and c.isdigit())]
    if bad or len(set(cfg.products)) != len(cfg.products):
        raise ParameterError(f"products must be distinct 6-digit HS codes as text, e.g. '847130'; got {bad!r}")
    if list(cfg.years) != sorted(set(cfg.years)) or not cfg.years:
        raise ParameterError(f"years must be distinct and ascending, e.g. (2019, 2020, 2021); got {cfg.years!r}")
    if cfg.target_rows is not None and not 0 < cfg.target_rows <= MAX_ROWS:
        raise ParameterError(f"target_rows must be between 1 and {MAX_ROWS:,}; got {cfg.target_rows!r}")
    if cfg.plant and not cfg.years[0] < cfg.sanction_year <= cfg.years[-1]:
        raise ParameterError(f"sanction_year {cfg.sanction_year!r} must fall after the first of years {cfg.years!r}")
    baskets = [c.basket for c in cfg.calibrations] + [s[2] for s in cfg.unit_value_anomalies + cfg.mirror_gaps]
    baskets += [a[1] for a in cfg.absorption]
    bad = [b for b in baskets if b not in SANCTIONED_BASKETS and b != "sanctioned"]
    if bad:
        raise ParameterError(f"unknown basket(s) {bad!r}; valid: {', '.join(sorted(SANCTIONED_BASKETS))}, sanctioned")
