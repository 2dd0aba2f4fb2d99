"""The route graph: roles, summed legs, and exports that read back."""

from __future__ import annotations

import json

import networkx as nx
import polars as pl

from tradeflows.routes.graph import route_graph, write_graphml, write_node_link

LEGS = pl.DataFrame(
    [
        (2022, "DEU", "GEO", "870321", 30.0, "reported by exporter", 12),
        (2022, "DEU", "GEO", "870322", 10.0, "mirror: importer's imports", 12),
        (2023, "DEU", "GEO", "870321", 5.0, "reported by exporter", 11),
        (2022, "GEO", "KAZ", "870321", 20.0, "reported by exporter", 12),
        (2022, "KAZ", "RUS", "870321", 8.0, "mirror: importer's imports", 1),
        (2022, "CHN", "ITA", "870321", 99.0, "reported by exporter", 1),  # on no route
        (2021, "GEO", "RUS", "870321", 7.0, "reported by exporter", 12),  # outside the years asked
    ],
    schema=["year", "exporter", "importer", "hs", "value_usd", "basis", "n_rows"],
    orient="row",
)
ROLES = {"origins": ["DEU", "CHN"], "hubs": ["GEO", "KAZ"], "targets": ["RUS", "KAZ"]}


def test_nodes_have_roles_and_edges_sum_the_legs():
    graph = route_graph(LEGS, **ROLES, years=[2022, 2023], attrs={"basket": "cars"})
    assert graph.graph["basket"] == "cars"
    assert dict(graph.nodes(data="role")) == {"DEU": "origin", "GEO": "hub", "KAZ": "target", "RUS": "target"}
    assert graph.nodes["KAZ"]["roles"] == "target,hub" and graph.nodes["GEO"]["name"] == "Georgia"
    assert graph.nodes["GEO"]["label"] == "Georgia"  # what Gephi shows
    deu_geo = graph.edges["DEU", "GEO"]
    assert deu_geo["value_usd"] == 45.0  # 30 + 10 + 5 over two codes and two years
    assert deu_geo["basis"] == "mirror: importer's imports; reported by exporter"
    assert deu_geo["n_rows"] == 35 and deu_geo["years"] == "2022,2023"
    assert sorted(graph.edges) == [("DEU", "GEO"), ("GEO", "KAZ"), ("KAZ", "RUS")]


def test_graphml_and_node_link_read_back(tmp_path):
    graph = route_graph(LEGS, **ROLES, years=[2022])
    back = nx.read_graphml(write_graphml(graph, tmp_path / "g.graphml"))
    assert sorted(back.edges) == sorted(graph.edges)
    assert back.edges["GEO", "KAZ"]["value_usd"] == 20.0 and back.nodes["RUS"]["role"] == "target"
    data = json.loads(write_node_link(graph, tmp_path / "g.json").read_text())
    assert {n["id"] for n in data["nodes"]} == {"DEU", "GEO", "KAZ", "RUS"}
    again = nx.node_link_graph(data, edges="links")
    assert again.edges["DEU", "GEO"]["value_usd"] == 40.0


def test_same_graph_same_files(tmp_path):
    one = write_graphml(route_graph(LEGS, **ROLES), tmp_path / "a.graphml").read_bytes()
    two = write_graphml(route_graph(LEGS.reverse(), **ROLES), tmp_path / "b.graphml").read_bytes()
    assert one == two
