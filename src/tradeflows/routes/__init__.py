"""Routes origin -> hub(s) -> target: leg values (``edges``), proportional allocation and
ranking (``allocate``), the networkx graph and its exports (``graph``), and ``find_routes``,
which puts them together for a store.
"""

from tradeflows.routes.allocate import RouteYears, rank_routes, route_values
from tradeflows.routes.edges import EdgeParams, edges_sql, leg_values
from tradeflows.routes.find import RouteSet, find_routes
from tradeflows.routes.graph import node_link, route_graph, write_graphml, write_node_link

__all__ = [
    "EdgeParams",
    "RouteSet",
    "RouteYears",
    "edges_sql",
    "find_routes",
    "leg_values",
    "node_link",
    "rank_routes",
    "route_graph",
    "route_values",
    "write_graphml",
    "write_node_link",
]
