"""Routes for a basket, a period and a target set, from a store: the one call the CLI,
the API and the reports make.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.synthetic import WorldConfig, generate_world
>>> world = generate_world(WorldConfig(products=("870323",), years=(2020, 2021, 2022)))
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
>>> _ = store.load_frame(world.flows, source="synthetic", label="doctest")
>>> found = find_routes(store, "cars", targets="RUS", years=2022, baseline="2020-2021")
>>> found.routes.row(0, named=True)["target"], found.routes["rank"][0]
('RUS', 1)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import networkx as nx
import polars as pl

from tradeflows.errors import NoDataError, ParameterError
from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    BasketLike,
    CountriesLike,
    Scope,
    YearsLike,
    as_countries,
    describe_scope,
    make_scope,
)
from tradeflows.routes.allocate import RankBy, RouteYears, rank_routes
from tradeflows.routes.edges import DEFAULT_CIF_MARGIN, EdgeParams, edges_sql, leg_values
from tradeflows.routes.flags import attach_flags
from tradeflows.routes.graph import route_graph
from tradeflows.store import Store


@dataclass(frozen=True, eq=False)
class RouteSet:
    """Ranked routes with everything they stand on: the legs, the SQL, the roles and years."""

    routes: pl.DataFrame
    legs: pl.DataFrame
    scope: Scope
    origins: tuple[str, ...]
    hubs: tuple[str, ...]
    targets: tuple[str, ...]
    labels: dict[str, str]
    years: RouteYears
    sql: str
    cif_margin: float
    max_hubs: int

    @property
    def basket(self) -> str:
        return ", ".join(self.scope.basket_info) or "basket"

    @property
    def codes(self) -> str:
        """Which codes under which HS revisions the routes stand on."""
        return describe_scope(self.scope)

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The period's legs on these routes as a networkx DiGraph (see ``routes.graph``)."""
        attrs = {
            "basket": self.basket, "codes": self.codes, "period": self.scope.after.label,
            "baseline": self.scope.baseline.label, "origins": self.labels["origins"], "hubs": self.labels["hubs"],
            "targets": self.labels["targets"], "allocation": "proportional to the hub's imports by origin",
        }  # fmt: skip
        return route_graph(
            self.legs, origins=self.origins, hubs=self.hubs, targets=self.targets, years=self.years.period, attrs=attrs
        )


def find_routes(
    store: Store,
    basket: BasketLike | Scope,
    *,
    targets: CountriesLike = "targets",
    years: YearsLike = DEFAULT_AFTER,
    baseline: YearsLike = DEFAULT_BASELINE,
    hubs: CountriesLike = "hubs",
    origins: CountriesLike = "coalition",
    max_hubs: int = 1,
    rank_by: RankBy = "change",
    cif_margin: float = DEFAULT_CIF_MARGIN,
    source: str | None = None,
    flags: bool = True,
    partial: str = "like_for_like",
) -> RouteSet:
    """Routes origin -> hub(s) -> target for ``basket``, valued over ``years`` against ``baseline``.

    Countries are ISO3 codes, group names (coalition, hubs, targets, eaeu ...) or comma
    lists of both. With ``flags``, the indicators' verdicts on each route's legs are
    attached (``routes.flags``). ``partial``: how a year a series holds in part is compared
    (``indicators.base.PARTIAL_CHOICES``). ``basket`` may be a Scope already resolved (a
    report's): its basket, periods, source and partial choice are used as they are, and
    ``years``, ``baseline``, ``source`` and ``partial`` are not read. Raises ``NoDataError``
    when the store has no such route.
    """
    if isinstance(basket, Scope):
        scope = replace(basket, reporters=None, partners=None, reporter_label="all", partner_label="all")
    else:
        scope = make_scope(store, basket=basket, baseline=baseline, after=years, source=source, partial=partial)
    sets, labels = {}, {}
    for name, value in (("origins", origins), ("hubs", hubs), ("targets", targets)):
        codes, label = as_countries(value, name=f"--{name}")
        if codes is None:
            raise ParameterError(f"--{name}: expected ISO3 codes or a group name, e.g. 'RUS' or 'targets'")
        sets[name], labels[name] = codes, label
    # Every leg into or out of a hub (its import totals must be complete), and legs into targets.
    params = EdgeParams(scope, countries=tuple(dict.fromkeys(sets["hubs"] + sets["targets"])), cif_margin=cif_margin)
    sql = edges_sql(params)
    legs = leg_values(store, params)
    route_years = RouteYears(scope.after.years, scope.baseline.years)
    routes = rank_routes(legs, route_years, **sets, max_hubs=max_hubs, rank_by=rank_by)
    if routes.is_empty():
        raise NoDataError(
            f"No route from {labels['origins']} through {labels['hubs']} to {labels['targets']} for basket "
            f"{scope.baskets['basket'][0]} in {scope.after.label}: the store has no hub exports to the targets "
            "or no hub imports from the origins in those years. `tradeflows coverage` shows what it holds."
        )
    found = RouteSet(routes, legs, scope, sets["origins"], sets["hubs"], sets["targets"], labels, route_years, sql,
                     cif_margin, max_hubs)  # fmt: skip
    return replace(found, routes=attach_flags(store, found)) if flags else found
