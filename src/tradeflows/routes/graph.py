"""The route graph: countries as nodes with a role, legs as edges with their value.

Nodes carry ``role`` (origin, hub or target; a country playing several is given the
one nearest the target, and all of them in ``roles``), ``name`` and ``label``; edges carry
``value_usd`` (summed over the period's years and the basket's codes), ``basis``
(which side's figure: see ``edges``), ``n_rows`` and ``years``. The graph exports to
GraphML (Gephi, yEd, Cytoscape) and to node-link JSON (d3, ``networkx.node_link_graph``).

>>> legs = pl.DataFrame({"year": [2022, 2022], "exporter": ["DEU", "GEO"], "importer": ["GEO", "RUS"],
...     "hs": ["8703", "8703"], "value_usd": [30.0, 20.0], "basis": ["reported by exporter"] * 2, "n_rows": [12, 12]})
>>> g = route_graph(legs, origins=["DEU"], hubs=["GEO"], targets=["RUS"])
>>> sorted(g.nodes(data="role")), g.edges["GEO", "RUS"]["value_usd"]
([('DEU', 'origin'), ('GEO', 'hub'), ('RUS', 'target')], 20.0)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import polars as pl

from tradeflows.reference.countries import country_name

ROLE_ORDER = ("target", "hub", "origin")  # the role a country shown in several roles is drawn in


def _legs_on_routes(legs: pl.DataFrame, origins: list[str], hubs: list[str], targets: list[str]) -> pl.DataFrame:
    """Legs that can lie on a route: origin -> hub, hub -> hub, hub -> target."""
    exp, imp = pl.col("exporter"), pl.col("importer")
    return legs.filter(
        pl.col("value_usd") > 0,
        (exp.is_in(origins) & imp.is_in(hubs)) | (exp.is_in(hubs) & (imp.is_in(hubs) | imp.is_in(targets))),
        exp != imp,
    )


def route_graph(
    legs: pl.DataFrame,
    *,
    origins: Iterable[str],
    hubs: Iterable[str],
    targets: Iterable[str],
    years: Iterable[int] | None = None,
    attrs: dict[str, str] | None = None,
) -> nx.DiGraph:
    """A directed graph of the legs that routes from ``origins`` through ``hubs`` to ``targets`` use.

    ``legs`` is ``edges.leg_values`` output; ``years`` restricts it (default: all its
    years); ``attrs`` become graph attributes (basket, period ...) and must be text.
    """
    origins, hubs, targets = list(origins), list(hubs), list(targets)
    if years is not None:
        legs = legs.filter(pl.col("year").is_in(list(years)))
    on_routes = _legs_on_routes(legs, origins, hubs, targets)
    summed = (
        on_routes.group_by("exporter", "importer")
        .agg(
            pl.col("value_usd").sum(),
            pl.col("basis").unique().sort().str.join("; "),
            pl.col("n_rows").sum(),
            pl.col("year").unique().sort().cast(pl.String).str.join(",").alias("years"),
        )
        .sort("exporter", "importer")
    )
    graph = nx.DiGraph(**(attrs or {}))
    role_sets = {"origin": set(origins), "hub": set(hubs), "target": set(targets)}
    countries = sorted(set(summed["exporter"]) | set(summed["importer"]))
    for iso3 in countries:
        roles = [r for r in ROLE_ORDER if iso3 in role_sets[r]]
        # ``label`` is the attribute Gephi shows on a node
        graph.add_node(iso3, role=roles[0], roles=",".join(roles), name=country_name(iso3), label=country_name(iso3))
    for row in summed.iter_rows(named=True):
        graph.add_edge(
            row["exporter"], row["importer"],
            value_usd=float(row["value_usd"]), basis=row["basis"], n_rows=int(row["n_rows"]), years=row["years"],
        )  # fmt: skip
    return graph


def write_graphml(graph: nx.DiGraph, path: Path | str) -> Path:
    """Write ``graph`` as GraphML (opens in Gephi)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(graph, path)
    return path


def node_link(graph: nx.DiGraph) -> dict:
    """``graph`` as node-link data (``nodes`` and ``links``), the layout d3 and networkx read."""
    return nx.node_link_data(graph, edges="links")


def write_node_link(graph: nx.DiGraph, path: Path | str) -> Path:
    """Write ``graph`` as node-link JSON; ``networkx.node_link_graph(data, edges="links")`` reads it back."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(node_link(graph), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
