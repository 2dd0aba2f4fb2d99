"""What every indicator shares: its parameters, rendered once into SQL, and how it runs.

An indicator is one SQL text over the store's views (``annual``, ``annual_hs4``,
``figures``, ``flows``) and a few parameter relations rendered here as literal
``VALUES`` tables, so the same text can be transpiled to another engine:

- ``p_basket(basket, tier, hs_version, code, code_level, via)``: the resolved basket codes;
- the reporters, partners and periods, written into the query as literals.

The SQL is kept to standard constructs (CTEs, window functions, CASE, COALESCE):
no GROUP BY ALL, QUALIFY, lists or structs, and no bind parameters.

>>> p = Scope(baskets=pl.DataFrame(), reporters=("GEO",), partners=None, flow="X",
...           baseline=Years(2021, 2021), after=Years(2022, 2023))
>>> p.baseline.label, p.after.years, in_list("reporter", p.reporters)
('2021', (2022, 2023), "reporter IN ('GEO')")
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from tradeflows.errors import NoDataError, ParameterError
from tradeflows.periods import parse_years
from tradeflows.reference.baskets import Basket, as_basket, resolve_basket
from tradeflows.reference.groups import BUILTIN_GROUPS, CountryGroup, expand_members
from tradeflows.schema import FLOW_CODES

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store

BasketLike = str | Basket | Sequence[str]
CountriesLike = str | CountryGroup | Sequence[str] | None
YearsLike = int | str | tuple[int, int]

DEFAULT_BASELINE = (2019, 2021)
DEFAULT_AFTER = (2022, 2024)
# The built-in baskets of sanctioned goods (the current CHPL only): what the hub score ranks
# by default, and what the DiD leaves out of "other goods".
SANCTIONED_BASKETS = ("cars", "computers", "smartphones", "uavs", "chpl")
SCOPE_PARAMETERS = ("basket", "reporter", "partner", "flow", "baseline", "after", "source", "baskets", "groups",
                    "partial")
# How a year a series holds in part (Georgia's 2023: January-November) enters a comparison:
# like_for_like, every year of the series cut to the months all its compared years hold;
# whole, each year as held (a short year reads low); annualise, a short year's values x 12 / months.
PARTIAL_CHOICES = {
    "like_for_like": "like for like: each year of a series cut to the months all its compared years hold",
    "whole": "whole years as held: a year held in part counts its months only",
    "annualise": "annualised: a year held in part scaled by 12 / its months",
}


@dataclass(frozen=True)
class Years:
    """An inclusive range of years."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first, self.last + 1))

    def between(self, column: str = "year") -> str:
        """SQL: ``column`` falls in these years."""
        return f"{column} BETWEEN {self.first} AND {self.last}"


def as_years(value: YearsLike, *, name: str) -> Years:
    """``2021``, ``"2019-2021"`` or ``(2019, 2021)`` as Years."""
    if isinstance(value, Years):
        return value
    if isinstance(value, int):
        return Years(value, value)
    if isinstance(value, str):
        return Years(*parse_years(value, name=name))
    if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        if value[0] > value[1]:
            raise ParameterError(f"{name}={value!r}: the range runs backwards")
        return Years(value[0], value[1])
    raise ParameterError(f"{name}={value!r}: expected a year (2021), a range '2019-2021' or a pair (2019, 2021)")


@dataclass(frozen=True)
class Coverage:
    """What a store holds that a scope is resolved against, read once per store (``read_coverage``):
    the codes of each HS revision, and the (source, year) in which some series holds a year in part."""

    codes: pl.DataFrame  # (hs_version, hs_level, hs) the store holds
    short: frozenset[tuple[str, int]] | None = None  # None: not known (another engine): assume some
    where: str = "The engine's tables hold"  # how messages name the store

    def short_years(self, first: int, last: int, source: str | None) -> bool:
        """Whether some file holds a code in fewer than 12 months of a year from ``first`` to ``last``."""
        if self.short is None:
            return True
        return any(first <= y <= last and source in (None, s) for s, y in self.short)


def read_coverage(store: Store | Engine) -> Coverage:
    """The store's ``Coverage`` in one query: the codes ``flows`` holds (as ``held_codes``) and the
    (source, year) where a series (source, reporter, flow, revision, code) holds fewer than 12
    months (table ``held``). Every scope of a command is resolved against it, so deriving one
    (``Scope.replace``) queries nothing."""
    found = run(
        store,
        """SELECT 'code' AS part, hs_version, hs_level, hs, CAST(NULL AS VARCHAR) AS source,
       CAST(NULL AS INTEGER) AS year
FROM (SELECT DISTINCT hs_version, hs_level, hs FROM flows) AS codes
UNION ALL
SELECT DISTINCT 'short' AS part, CAST(NULL AS SMALLINT), CAST(NULL AS TINYINT), CAST(NULL AS VARCHAR), source,
       CAST(year AS INTEGER)
FROM (SELECT source, year FROM held WHERE month IS NOT NULL GROUP BY source, reporter, flow, hs_version, hs, year
      HAVING COUNT(DISTINCT month) < 12) AS short_years""",
    )
    codes = found.filter(pl.col("part") == "code").select("hs_version", "hs_level", "hs")
    short = found.filter(pl.col("part") == "short").select("source", "year").rows()
    return Coverage(codes, frozenset(short), f"The store {store.path} holds")


@dataclass(frozen=True)
class Scope:
    """The parameters every indicator takes, resolved: what its SQL is built from.

    ``reporters``/``partners`` None mean all; ``*_label`` is how results name a set. Resolved
    once per command (``resolve_scope``) and derived with ``replace`` (only what changes is
    resolved again, against the same ``coverage``: no query).
    """

    baskets: pl.DataFrame  # resolved codes: basket, tier, hs_version, code, code_level, ...
    reporters: tuple[str, ...] | None
    partners: tuple[str, ...] | None
    flow: str
    baseline: Years
    after: Years
    source: str | None = None
    reporter_label: str = "all"
    partner_label: str = "all"
    basket_info: dict[str, Basket] = field(default_factory=dict)
    # How a year a series holds in part is compared (PARTIAL_CHOICES): like for like by default.
    partial: str = "like_for_like"
    # Whether any file holds a year of the scope's years in part: where none does, the
    # indicators' SQL leaves out the month-by-month reading (smaller plans on every engine).
    short_years: bool = True
    # User groups: they also name the countries of an indicator's settings (origins, targets).
    groups: dict[str, CountryGroup] = field(default_factory=dict)
    coverage: Coverage | None = None
    # The baskets as requested (names, codes, Baskets) and the user's basket definitions.
    basket_request: tuple = ()
    user_baskets: dict[str, Basket] = field(default_factory=dict)

    @property
    def first_year(self) -> int:
        return min(self.baseline.first, self.after.first)

    @property
    def last_year(self) -> int:
        return max(self.baseline.last, self.after.last)

    def replace(self, *, basket: BasketLike | Sequence[BasketLike] | None = None, reporter: CountriesLike = ...,
                partner: CountriesLike = ..., flow: str | None = None, baseline: YearsLike | None = None,
                after: YearsLike | None = None, source: str | None = ..., partial: str | None = None,
                ) -> Scope:  # fmt: skip
        """This scope with some parameters changed, each resolved as ``resolve_scope`` does;
        what is not named is kept as resolved (a new reporter does not resolve the basket
        again). Nothing is read from the store: the coverage is this scope's."""
        changes: dict[str, Any] = {}
        if basket is not None:
            frame, info, request = _resolve_baskets(basket, self.user_baskets, self.coverage)
            changes.update(baskets=frame, basket_info=info, basket_request=request)
        for name, value in (("reporter", reporter), ("partner", partner)):
            if value is not ...:
                codes, label = as_countries(value, name=name, groups=self.groups)
                changes.update({f"{name}s": codes, f"{name}_label": label})
        if flow is not None:
            changes["flow"] = _checked_flow(flow)
        if partial is not None:
            changes["partial"] = _checked_partial(partial)
        if source is not ...:
            changes["source"] = _checked_source(source)
        if baseline is not None or after is not None or source is not ...:
            base, post = _checked_periods(baseline or self.baseline, after or self.after)
            changes.update(baseline=base, after=post)
            if self.coverage is not None:
                changes["short_years"] = self.coverage.short_years(min(base.first, post.first),
                                                                   max(base.last, post.last),
                                                                   changes.get("source", self.source))  # fmt: skip
        return dataclasses.replace(self, **changes)


def as_countries(value: CountriesLike, *, name: str, groups: dict[str, CountryGroup] | None = None,
                 ) -> tuple[tuple[str, ...] | None, str]:  # fmt: skip
    """ISO3 codes and a label from a code, a group name, a comma list or a CountryGroup."""
    if value is None:
        return None, "all"
    known = {**BUILTIN_GROUPS, **(groups or {})}
    if isinstance(value, CountryGroup):
        return value.members, value.name
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v) for v in value]
    names = [n for n in names if n]
    if not names:
        raise ParameterError(f"{name}: expected ISO3 codes or a group name, got {value!r}")
    codes = expand_members(names, known, where=name)
    if "TWN" in codes and "S19" not in codes:
        # Comtrade reports Taiwan's trade as "Other Asia, nes" (S19, code 490): a figure
        # of Taiwan's is found there.
        codes = (*codes, "S19")
    return codes, "+".join(names)


def _checked_flow(flow: str) -> str:
    flow = flow.upper()
    if flow not in FLOW_CODES:
        raise ParameterError(f"flow={flow!r}: expected one of {', '.join(FLOW_CODES)} (X exports, M imports)")
    return flow


def _checked_partial(partial: str) -> str:
    if partial not in PARTIAL_CHOICES:
        raise ParameterError(f"partial={partial!r}: expected one of {', '.join(PARTIAL_CHOICES)}")
    return partial


def _checked_source(source: str | None) -> str | None:
    if source is not None and not re.fullmatch(r"[a-z_]+", source):
        raise ParameterError(f"source={source!r}: expected a source name such as comtrade, baci, synthetic")
    return source


def _checked_periods(baseline: YearsLike, after: YearsLike) -> tuple[Years, Years]:
    base, post = as_years(baseline, name="baseline"), as_years(after, name="after")
    if base.last >= post.first:
        raise ParameterError(
            f"baseline {base.label} must end before the after period {post.label} begins; e.g. --baseline 2019-2021 "
            "--after 2022-2024"
        )
    return base, post


def _resolve_baskets(basket: BasketLike | Sequence[BasketLike], user: dict[str, Basket] | None,
                     coverage: Coverage | None, held_only: bool = False,
                     ) -> tuple[pl.DataFrame, dict[str, Basket], tuple]:  # fmt: skip
    """The codes of the requested baskets the coverage holds, the Baskets by name, the request."""
    items = [basket] if isinstance(basket, str | Basket) else list(basket)
    # A list of bare codes is one basket; a list of names or Baskets is several.
    if items and all(isinstance(i, str) and i.strip().isdigit() for i in items):
        items = [items]
    resolved = [as_basket(i, user) for i in items]
    if coverage is None or coverage.codes.is_empty():
        where = coverage.where if coverage is not None else "The engine's tables hold"
        raise NoDataError(f"{where} no trade rows; load some with `tradeflows ingest`.")
    frames, failed = {}, []
    for b in resolved:
        try:
            frames[b.name] = resolve_basket(b, coverage.codes)
        except NoDataError as exc:
            failed.append(exc)
    # Baskets chosen by default (the sanctioned ones) the store holds nothing of are left out.
    if failed and (not held_only or not frames):
        raise failed[0]
    return pl.concat(frames.values()), {b.name: b for b in resolved if b.name in frames}, tuple(items)


def resolve_scope(
    store: Store | Engine | None,
    *,
    basket: BasketLike | Sequence[BasketLike],
    reporter: CountriesLike = None,
    partner: CountriesLike = None,
    flow: str = "X",
    baseline: YearsLike | None = DEFAULT_BASELINE,
    after: YearsLike | None = DEFAULT_AFTER,
    source: str | None = None,
    baskets: dict[str, Basket] | None = None,
    groups: dict[str, CountryGroup] | None = None,
    held: pl.DataFrame | None = None,
    partial: str = "like_for_like",
    coverage: Coverage | None = None,
    period_flows: Sequence[str] | None = None,
    held_only: bool = False,
) -> Scope:
    """Resolve the common parameters against ``store``; ``baskets``/``groups`` are user definitions.

    One query reads what the store holds (``read_coverage``), unless ``coverage`` is given.
    ``baseline``/``after`` None: from the years the scope's reporters' series of the baskets
    hold (``default_periods``; one more query), so no label names a year no file covers;
    ``period_flows``: the flows of those series (the scope's flow by default). ``held_only``:
    of several baskets, those the store holds none of are left out (an indicator's default
    baskets), not an error.

    Another engine passes ``store=None`` and ``held``, the (hs_version, hs_level, hs) its
    tables hold, and gets the same Scope, hence the same SQL.
    """
    flow, partial, source = _checked_flow(flow), _checked_partial(partial), _checked_source(source)
    if coverage is None:
        coverage = Coverage(held) if held is not None else read_coverage(store)
    frame, info, request = _resolve_baskets(basket, baskets, coverage, held_only)
    reporters, reporter_label = as_countries(reporter, name="reporter", groups=groups)
    partners, partner_label = as_countries(partner, name="partner", groups=groups)
    given = baseline is not None and after is not None
    base, post = _checked_periods(baseline, after) if given else (Years(*DEFAULT_BASELINE), Years(*DEFAULT_AFTER))
    scope = Scope(frame, reporters, partners, flow, base, post, source, reporter_label, partner_label, info, partial,
                  coverage.short_years(min(base.first, post.first), max(base.last, post.last), source),
                  dict(groups or {}), coverage, request, dict(baskets or {}))  # fmt: skip
    if not given and store is not None:
        held_base, held_after = default_periods(store, scope, flows=period_flows or (flow,))
        scope = scope.replace(baseline=baseline or held_base, after=after or held_after)
    return scope


make_scope = resolve_scope  # the name reports and routes know


def default_periods(store: Store | Engine, scope: Scope, *, flows: Sequence[str],
                    reporters: Sequence[str] | None | bool = True) -> tuple[Years, Years]:  # fmt: skip
    """The periods a command compares when the user names none, from what the series hold:
    the baseline, the years of 2019-2021 held; the after period, 2022 to the last year held.
    Where the series hold none of a default period, the default stands (and the figures say
    not held)."""
    held = series_years(store, scope, reporters=scope.reporters if reporters is True else reporters, flows=flows,
                        all_years=True)["year"].unique().to_list()  # fmt: skip
    in_base = [y for y in held if DEFAULT_BASELINE[0] <= y <= DEFAULT_BASELINE[1]]
    base = Years(min(in_base), max(in_base)) if in_base else Years(*DEFAULT_BASELINE)
    last = max(held, default=0)
    post = Years(DEFAULT_AFTER[0], last) if last >= DEFAULT_AFTER[0] else Years(*DEFAULT_AFTER)
    return base, post


# -- rendering ---------------------------------------------------------------------------


def literal(value: Any) -> str:
    """A Python value as a SQL literal (the only way parameters enter indicator SQL).

    >>> literal("O'Brien"), literal(None), literal(2.5), literal(True)
    ("'O''Brien'", 'NULL', '2.5', 'TRUE')
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{value!r} cannot be a parameter: not a finite number")
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def values_table(columns: dict[str, str], rows: Sequence[Sequence[Any]]) -> str:
    """``SELECT ... FROM (VALUES ...) AS v(...)`` with each column cast to its SQL type."""
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
        return f"SELECT {nulls} FROM (VALUES (0)) AS v(x) WHERE 1 = 0"
    body = ",\n    ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
    return f"SELECT {casts} FROM (VALUES\n    {body}\n) AS v({', '.join(columns)})"


def in_list(column: str, values: Sequence[Any] | None) -> str:
    """``column IN (...)``, or TRUE when ``values`` is None (no filter)."""
    if values is None:
        return "TRUE"
    return f"{column} IN ({', '.join(literal(v) for v in values)})"


def join_on(left: str, right: str, keys: Sequence[str]) -> str:
    """``left.k = right.k AND ...`` for each of ``keys``: two relations meeting on their key columns.

    >>> join_on("p", "k", ("source", "year"))
    'p.source = k.source AND p.year = k.year'
    """
    return " AND ".join(f"{left}.{k} = {right}.{k}" for k in keys)


def source_filter(scope: Scope, column: str = "source") -> str:
    """``column = 'comtrade'`` when the scope names a source, else TRUE."""
    return f"{column} = {literal(scope.source)}" if scope.source else "TRUE"


def rows_where(scope: Scope, alias: str, *, flows: Sequence[str], reporters: Sequence[str] | None,
               partners: Sequence[str] | None, first_year: int, last_year: int,
               basis: str = "origin") -> str:  # fmt: skip
    """The filter on figures that every indicator's rows pass: flows, countries, years, source,
    and imports by origin only (``basis="consignment"``: imports by consignment only)."""
    if basis == "consignment":
        kept = f"{alias}.partner_basis = 'consignment'"
    else:  # Imports by origin and by consignment are two views of one flow: keep the origin one.
        kept = f"COALESCE({alias}.partner_basis, 'origin') <> 'consignment'"
    return " AND ".join([
        in_list(f"{alias}.flow", flows),
        in_list(f"{alias}.reporter", reporters),
        in_list(f"{alias}.partner", partners),
        f"{alias}.year BETWEEN {first_year} AND {last_year}",
        source_filter(scope, f"{alias}.source"),
        kept,
    ])  # fmt: skip


def period_sum(years: Years, value: str = "value_usd") -> str:
    """The sum of ``value`` over the rows of ``years``, 0 where there are none."""
    return f"SUM(CASE WHEN {years.between()} THEN {value} ELSE 0 END)"


def robust_z(value: str, median: str, mad: str) -> str:
    """A robust z-score: the distance from the median in MADs scaled to a normal standard
    deviation (x 1.4826), so 3.5 means what it would for a z-score of normal data."""
    return f"({value} - {median}) / (1.4826 * {mad})"


def pass_through_share(imports: tuple[str, str], exports: tuple[str, str]) -> str:
    """min(Δ exports, Δ imports) / Δ imports where imports rose, else NULL: the share of a hub's
    extra imports sent on; each argument is (baseline, after).

    >>> pass_through_share(("m_b", "m_a"), ("x_b", "x_a"))
    'CASE WHEN m_a - m_b > 0 THEN (CASE WHEN x_a - x_b < m_a - m_b THEN x_a - x_b ELSE m_a - m_b END) / (m_a - m_b) END'
    """
    dm, dx = f"{imports[1]} - {imports[0]}", f"{exports[1]} - {exports[0]}"
    return f"CASE WHEN {dm} > 0 THEN (CASE WHEN {dx} < {dm} THEN {dx} ELSE {dm} END) / ({dm}) END"


def status_reason(checks: Sequence[tuple[str, str, str]], *, ok_reason: str = "NULL") -> str:
    """The ``status`` and ``reason`` columns from ordered checks, each condition written once.

    ``checks`` are (condition, status, reason SQL); the first condition that holds names the
    status and its reason; where none holds the status is 'ok' and the reason ``ok_reason``.

    >>> print(status_reason([("n = 0", "no_data", "'nothing reported'")]))
    CASE WHEN n = 0 THEN 'no_data' ELSE 'ok' END AS status,
           CASE WHEN n = 0 THEN 'nothing reported' ELSE NULL END AS reason
    """
    status = " ".join(f"WHEN {c} THEN {literal(s)}" for c, s, _ in checks)
    reason = " ".join(f"WHEN {c} THEN {r}" for c, _, r in checks)
    return f"CASE {status} ELSE 'ok' END AS status,\n       CASE {reason} ELSE {ok_reason} END AS reason"


def period_columns(scope: Scope, *, after: bool = True, years: bool = False) -> str:
    """Provenance: the ``baseline`` (and ``after``) labels; with ``years`` also the columns
    ``baseline_years``, ``after_years`` the query computes itself (the years its series hold,
    ``period_years_cte``)."""
    columns = [f"{literal(scope.baseline.label)} AS baseline"]
    if after:
        columns.append(f"{literal(scope.after.label)} AS after")
    if years:
        columns.append("baseline_years, after_years")
    return ", ".join(columns)


def basket_cte(scope: Scope) -> str:
    columns = {
        "basket": "VARCHAR",
        "tier": "VARCHAR",
        "hs_version": "INTEGER",
        "code": "VARCHAR",
        "code_level": "INTEGER",
        "via": "VARCHAR",
        "weight": "DOUBLE",  # a code converted from another HS revision counts its share (reference.baskets)
    }
    baskets = scope.baskets if "weight" in scope.baskets.columns else scope.baskets.with_columns(weight=pl.lit(1.0))
    rows = baskets.select(list(columns)).rows()
    return f"p_basket AS (\n  {values_table(columns, rows)}\n)"


def basket_rows_sql(scope: Scope) -> str:
    """The rows of ``flows`` with one of the scope's basket codes: what an engine cut to the
    basket holds (``DuckDBEngine.cut``). The views keep or drop a figure by comparing rows of
    the same HS code, so cutting the rows first changes no figure of these codes."""
    return (f"WITH {basket_cte(scope)}\nSELECT f.* FROM main.flows f\n"
            "WHERE EXISTS (SELECT 1 FROM p_basket b WHERE b.hs_version = f.hs_version "
            "AND left(f.hs, b.code_level) = b.code)")  # fmt: skip


def _code_levels(scope: Scope, via: str) -> list[int]:
    """The lengths of the basket codes read ``via`` 'hs4' or 'hs6' (all lengths when unknown)."""
    if not len(scope.baskets):
        return [2, 3, 4, 5, 6]
    rows = scope.baskets.filter(pl.col("via") == via)
    return sorted(set(rows["code_level"].to_list()))


def _held_basket(alias: str = "h") -> str:
    """The join of table ``held`` (alias ``alias``) with ``p_basket b``: codes as ``basket_flows_cte`` reads them.

    Each held row is paired with each code length the basket has and its code cut to that
    length, so the join is on equal values, which the engine can hash: ``left(hs,
    b.code_level) = b.code`` names both sides and compared every held row with every code
    of the revision (routes over 653 codes of a 20M-row store: seconds in that join alone).
    """
    return (f"(SELECT h0.*, n.code_level AS prefix_level, left(h0.hs, n.code_level) AS prefix\n"
            f"     FROM held h0 CROSS JOIN (SELECT DISTINCT code_level FROM p_basket) n) {alias}\n"
            f"  JOIN p_basket b ON {alias}.hs_version = b.hs_version AND {alias}.hs_level = "
            f"CASE WHEN b.via = 'hs4' THEN 4 ELSE 6 END\n   AND {alias}.prefix_level = b.code_level "
            f"AND {alias}.prefix = b.code")  # fmt: skip


_SERIES = ("source", "reporter", "flow", "basket")


def _monthly_branch(scope: Scope, name: str, where: str) -> str:
    """Rows of the series cut to months (``{name}_cut``), summed per year as ``annual`` sums
    them: ``figures`` at the basket's level, countries and areas nes as partners; an HS6 row
    counts for a heading read via hs4 where the heading itself is not reported that month."""
    same = " AND ".join(f"t.{k} = a.{k}" for k in ("source", "year", "month", "reporter", "partner", "flow",
                                                    "hs_version"))  # fmt: skip
    level = (f"((b.via = 'hs6' AND a.hs_level = 6) OR (b.via = 'hs4' AND (a.hs_level = 4 OR (a.hs_level = 6 AND "
             f"NOT EXISTS (SELECT 1 FROM figures t WHERE t.hs_level = 4 AND t.hs = left(a.hs, 4) AND {same} AND "
             "t.partner_basis IS NOT DISTINCT FROM a.partner_basis)))))")  # fmt: skip
    hs = "CASE WHEN b.via = 'hs4' THEN left(a.hs, 4) ELSE a.hs END"
    return f"""  SELECT b.basket, b.tier, a.source, a.year, a.reporter, a.partner, a.flow, a.partner_basis,
         a.hs_version, {hs} AS hs, SUM(a.value_usd * b.weight) AS value_usd,
         CASE WHEN COUNT(a.qty) = COUNT(*) AND MIN(a.qty_unit) = MAX(a.qty_unit) THEN SUM(a.qty * b.weight) END AS qty,
         CASE WHEN MIN(a.qty_unit) = MAX(a.qty_unit) THEN MIN(a.qty_unit) END AS qty_unit,
         CASE WHEN COUNT(a.net_kg) = COUNT(*) THEN SUM(a.net_kg * b.weight) END AS net_kg, COUNT(*) AS n_rows
  FROM figures a JOIN countries pc ON pc.iso3 = a.partner AND pc.kind IN ('country', 'area_nes')
  JOIN p_basket b ON a.hs_version = b.hs_version AND left(a.hs, b.code_level) = b.code AND {level}
  JOIN {name}_cut k ON k.source = a.source AND k.reporter = a.reporter AND k.flow = a.flow AND k.basket = b.basket
   AND k.month = a.month
  WHERE {where}
  GROUP BY b.basket, b.tier, a.source, a.year, a.reporter, a.partner, a.flow, a.partner_basis, a.hs_version, {hs}"""


def basket_flows_cte(scope: Scope, *, name: str = "bf", flows: Sequence[str] | None = None,
                     reporters: Sequence[str] | None | bool = True, partners: Sequence[str] | None | bool = True,
                     first_year: int | None = None, last_year: int | None = None,
                     basis: str = "origin") -> str:  # fmt: skip
    """Annual figures of the basket's codes, one level each: codes the store holds as HS4
    headings through ``annual_hs4`` (the reported heading, or its HS6 rows summed where it
    is missing), the others as HS6 rows of ``annual``.

    A code matches the codes it starts. One branch per code length joins on equality of
    that many leading digits, which the engine can hash: a ``LIKE`` join compared each row
    with every code of its chapter (routes over all 1,306 HS6 codes of a 20M-row store
    spent most of their time there). A basket holds no code nested in another, so each row
    meets each basket's codes in one branch at most.

    A year a series (source, reporter, flow, basket) holds in part is compared as
    ``scope.partial`` says (``PARTIAL_CHOICES``). Like for like (the default), a series with a
    year held in part among the years read is read month by month from ``figures``, every
    year cut to the months all its held years share (from table ``held``); annual-only
    years cannot be cut, so such a series is read whole. Annualised, a short year's values
    are scaled by 12 / its months. Other series read ``annual`` as they are.

    ``reporters``/``partners``: True uses the scope's, None means all, a list overrides.
    ``basis="consignment"``: imports by country of consignment instead of origin.
    """
    reps = scope.reporters if reporters is True else reporters
    first, last = first_year or scope.first_year, last_year or scope.last_year
    flow_list = flows or [scope.flow]
    where = rows_where(scope, "a", flows=flow_list, reporters=reps,
                       partners=scope.partners if partners is True else partners,
                       first_year=first, last_year=last, basis=basis)  # fmt: skip
    cols = ("b.basket, b.tier, a.source, a.year, a.reporter, a.partner, a.flow, a.partner_basis, a.hs_version, a.hs, "
            "a.value_usd * b.weight AS value_usd, a.qty * b.weight AS qty, a.qty_unit, a.net_kg * b.weight AS net_kg, "
            "a.rows AS n_rows")  # fmt: skip
    branches = []
    # Only the branches the basket needs: the HS4 view is costly to build over a large store.
    for via, relation, level_filter in (("hs4", "annual_hs4", ""), ("hs6", "annual", " AND a.hs_level = 6")):
        for length in _code_levels(scope, via):
            branches.append(
                f"  SELECT {cols} FROM {relation} a JOIN p_basket b\n"
                f"    ON b.via = '{via}' AND b.code_level = {length}{level_filter} AND a.hs_version = b.hs_version\n"
                f"    AND left(a.hs, {length}) = b.code\n"
                f"  WHERE {where}"
            )
    whole = "\n  UNION ALL\n".join(branches)
    if scope.partial == "whole" or not scope.short_years or not len(scope.baskets):
        return f"{name} AS (\n{whole}\n)"
    held_where = _held_where(scope, "h", flows=flow_list, reporters=reps, years=(first, last))
    series = ", ".join(f"h.{c}" if c != "basket" else "b.basket" for c in _SERIES)
    on = " AND ".join(f"s.{c} = x.{c}" for c in _SERIES)
    years = held_years_cte(scope, name=f"{name}_years", flows=flow_list, reporters=reps, years=(first, last))
    if scope.partial == "annualise":
        scaled = ", ".join("x." + c for c in ("basket", "tier", "source", "year", "reporter", "partner", "flow",
                                              "partner_basis", "hs_version", "hs"))  # fmt: skip
        factor = "12.0 / s.months"
        return f"""{years},
{name}_whole AS (\n{whole}\n),
{name} AS (
  SELECT {scaled}, x.value_usd * {factor} AS value_usd, x.qty * {factor} AS qty, x.qty_unit,
         x.net_kg * {factor} AS net_kg, x.n_rows
  FROM {name}_whole x JOIN {name}_years s ON {on} AND s.year = x.year
)"""
    keys = ", ".join(_SERIES)
    return f"""{years},
{name}_short AS (
  SELECT {keys}, COUNT(*) AS n_years FROM {name}_years GROUP BY {keys} HAVING MIN(months) < 12
),
{name}_cut AS (
  SELECT {series}, h.month
  FROM {_held_basket()}
  JOIN {name}_short x ON x.source = h.source AND x.reporter = h.reporter AND x.flow = h.flow AND x.basket = b.basket
  WHERE {held_where} AND h.month IS NOT NULL
  GROUP BY {series}, h.month, x.n_years
  HAVING COUNT(DISTINCT h.year) = x.n_years
),
{name}_cut_series AS (SELECT DISTINCT {keys} FROM {name}_cut),
{name}_whole AS (\n{whole}\n),
{name} AS (
  SELECT * FROM {name}_whole x WHERE NOT EXISTS (SELECT 1 FROM {name}_cut_series s WHERE {on})
  UNION ALL
{_monthly_branch(scope, name, where)}
)"""


def _held_where(scope: Scope, alias: str, *, flows: Sequence[str], reporters: Sequence[str] | None,
                years: tuple[int, int] | None) -> str:  # fmt: skip
    """The filter on table ``held`` matching ``rows_where``: flows, reporters, ``years`` (None:
    all), source, origin basis."""
    return " AND ".join([
        in_list(f"{alias}.flow", flows), in_list(f"{alias}.reporter", reporters),
        "TRUE" if years is None else f"{alias}.year BETWEEN {years[0]} AND {years[1]}",
        source_filter(scope, f"{alias}.source"),
        f"COALESCE({alias}.partner_basis, 'origin') <> 'consignment'",
    ])  # fmt: skip


def months_held(alias: str) -> str:
    """SQL: how many months the rows of table ``held`` (alias ``alias``) grouped into a year
    cover: 12 where a file gives the year as annual data (month NULL), else its distinct months.

    >>> months_held("h")
    'CASE WHEN MAX(CASE WHEN h.month IS NULL THEN 1 ELSE 0 END) = 1 THEN 12 ELSE COUNT(DISTINCT h.month) END'
    """
    return (f"CASE WHEN MAX(CASE WHEN {alias}.month IS NULL THEN 1 ELSE 0 END) = 1 THEN 12 "
            f"ELSE COUNT(DISTINCT {alias}.month) END")


def held_years_cte(scope: Scope, *, name: str = "held_years", flows: Sequence[str] | None = None,
                   reporters: Sequence[str] | None | bool = True, all_years: bool = False,
                   years: tuple[int, int] | None = None) -> str:  # fmt: skip
    """(source, reporter, flow, basket, year, months): the years each *series* holds, from the
    table ``held`` (what each ingested file covers, store/vintages.py). A series holds a year
    where some file covers one of the basket's codes for its reporter and flow in that year,
    whatever other series or files the store holds; ``months`` is how many months (12 for
    annual data). A year missing here is missing data; a held year with no row is zero trade.
    The codes meet the basket as in ``basket_flows_cte``: HS4 headings (an HS6 row holds its
    heading) for codes read via hs4, HS6 codes for the others. Needs ``p_basket``. The
    scope's years (or ``years``, first and last) only, unless ``all_years``."""
    reps = scope.reporters if reporters is True else reporters
    span = None if all_years else years or (scope.first_year, scope.last_year)
    where = _held_where(scope, "h", flows=flows or [scope.flow], reporters=reps, years=span)
    return f"""{name} AS (
  SELECT h.source, h.reporter, h.flow, b.basket, h.year, {months_held("h")} AS months
  FROM {_held_basket()}
  WHERE {where}
  GROUP BY h.source, h.reporter, h.flow, b.basket, h.year
)"""


def reported_cte(scope: Scope, *, name: str = "reported", flows: Sequence[str] | None = None,
                 reporters: Sequence[str] | None | bool = True) -> str:  # fmt: skip
    """(source, reporter, flow, basket, year, months) each series holds (``held_years_cte``): a year
    missing here is missing data, while a year present with no row for the series is zero
    trade. Needs ``p_basket``."""
    held = held_years_cte(scope, name=f"{name}_held", flows=flows, reporters=reporters)
    return f"{held},\n{name} AS (\n  SELECT source, reporter, flow, basket, year, months FROM {name}_held\n)"


def partial_reason(scope: Scope, months: str, period: str) -> str:
    """SQL text of the reason a comparison involves a year held in part: ``months`` (SQL) the
    fewest months a compared year holds, ``period`` (SQL text) what is compared, and how."""
    how = {"like_for_like": "compared like for like (every year cut to the months all compared years hold)",
           "whole": "compared as held (--partial whole): that year reads low",
           "annualise": "annualised (x 12 / months held)"}[scope.partial]  # fmt: skip
    return (f"'partial: a year of ' || {period} || ' or the baseline holds ' || CAST({months} AS VARCHAR) "
            f"|| ' months; {how}'")


def not_held(alias: str, period: str, *, flow: str | None = None) -> str:
    """SQL text of the reason a series (columns reporter, flow, basket of ``alias``; ``flow``
    SQL text in place of the column) has no figure for ``period`` (SQL text): no file the
    store holds covers it.

    >>> not_held("q", "'2021'", flow="'X'").split(" || ")[:4]
    ["'not held: no file covers '", 'q.reporter', "' '", "'X'"]
    """
    flow = flow or f"{alias}.flow"
    return (f"'not held: no file covers ' || {alias}.reporter || ' ' || {flow} || ' of ' || {alias}.basket "
            f"|| ' in ' || {period} || ' (missing, not zero)'")  # fmt: skip


def years_text(years: Years, held: str) -> str:
    """SQL text listing the years of ``years`` for which the aggregate ``held(y)`` is NULL."""
    parts = [f"CASE WHEN {held.format(y=y)} IS NULL THEN '{y}' END" for y in years.years]
    return f"CONCAT_WS(', ', {', '.join(parts)})"


def period_years_cte(scope: Scope, *, name: str = "period_years", flows: Sequence[str] | None = None,
                     reporters: Sequence[str] | None | bool = None) -> str:  # fmt: skip
    """Per series (source, reporter, flow, basket): how many years of each period it holds
    (``nb``, ``na``: the divisors of its annual means, so a year no file covers is missing,
    not a year of zeros), the years of each period it does not hold (``nb_missing``,
    ``na_missing``, text) and the fewest months a year holds (``min_months``). Adding a file of another reporter, product or source changes none
    of these. ``flows``: all four by default; ``reporters``: all by default. Needs ``p_basket``."""
    held = held_years_cte(scope, name=f"{name}_held", flows=flows or list(FLOW_CODES), reporters=reporters)
    b, a = scope.baseline, scope.after
    month = "MAX(CASE WHEN year = {y} THEN months END)"
    return f"""{held},
{name} AS (
  SELECT source, reporter, flow, basket,
         COUNT(CASE WHEN {b.between()} THEN year END) AS nb, COUNT(CASE WHEN {a.between()} THEN year END) AS na,
         {years_text(b, month)} AS nb_missing, {years_text(a, month)} AS na_missing, MIN(months) AS min_months
  FROM {name}_held GROUP BY source, reporter, flow, basket
)"""


def annual_means(scope: Scope, value: str = "value_usd") -> tuple[str, str]:
    """The baseline and after annual means of ``value`` in a query over a relation joined to
    ``period_years py`` by series (see ``period_means_cte``): each row's value over the years
    its series holds in the period, summed over the series (the mean of a sum of series is
    the sum of their means); 0 where the series hold the period and no row exists, NULL where
    none of them holds it."""
    return tuple(
        f"COALESCE(SUM(CASE WHEN {years.between()} THEN ({value}) / py.{n} END), CASE WHEN MAX(py.{n}) > 0 THEN 0 END)"
        for years, n in ((scope.baseline, "nb"), (scope.after, "na"))
    )  # type: ignore[return-value]


# A sum over series compares like for like: a series holding only one of the two periods is left
# out of both (its missing period is not a fall to zero, nor a rise from it) and named. The rule
# of substitution, hub score, mirror imports and exempt siblings, in these pieces.
HOLDS_BOTH = "py.nb > 0 AND py.na > 0"


def both_periods(value: str) -> str:
    """``value`` where the series (joined as ``period_years py``) holds both periods, else NULL."""
    return f"CASE WHEN {HOLDS_BOTH} THEN {value} END"


def one_period_only(period: str, column: str = "reporter") -> str:
    """SQL aggregate: the ``column`` of the series holding no year of ``period`` (``nb``: the
    baseline, ``na``: the after period), '+'-joined (sorted by ``names_sorted``)."""
    return f"STRING_AGG(DISTINCT CASE WHEN py.{period} = 0 THEN {column} END, '+')"


def names_sorted(*lists: str) -> str:
    """SQL: the '+'-joined country lists ``lists`` as one, each name once, sorted ('' for none)."""
    return f"array_to_string(list_sort(list_distinct(string_split(CONCAT_WS('+', {', '.join(lists)}), '+'))), '+')"


def left_out_reason(scope: Scope, no_baseline: str, no_after: str, what: str) -> str:
    """SQL text naming the series left out of a sum (``one_period_only`` lists ``no_baseline``,
    ``no_after``): ``what`` says whose figures, e.g. 'their exports of the basket'."""
    b, a = literal(scope.baseline.label), literal(scope.after.label)
    return (f"NULLIF(CONCAT_WS('; ', CASE WHEN {no_baseline} <> '' THEN {no_baseline} || ' left out of both periods: "
            f"no file covers {what} in ' || {b} END, CASE WHEN {no_after} <> '' THEN {no_after} || ' left out of both "
            f"periods: no file covers {what} in ' || {a} END), '')")  # fmt: skip


def period_means_cte(scope: Scope, name: str, relation: str, *, keys: Sequence[str],
                     means: dict[tuple[str, str], str], extra: Sequence[str] = ()) -> str:  # fmt: skip
    """CTE ``name``: the per-period values of ``relation`` by ``keys`` (columns, or
    ``column AS alias``): for each ``(baseline column, after column): value`` of ``means``,
    the annual means of ``value`` (``annual_means``) over the years each series holds, then
    the aggregates ``extra`` (which may read ``py.nb``, ``py.na``: the years held)."""
    columns = [*keys]
    for (baseline, after), value in means.items():
        mean_b, mean_a = annual_means(scope, value)
        columns += [f"{mean_b} AS {baseline}", f"{mean_a} AS {after}"]
    group = ", ".join(k.split(" AS ")[0] for k in keys)
    return (f"{name} AS (\n  SELECT {', '.join([*columns, *extra])}\n"
            f"  FROM {relation} JOIN period_years py USING (source, reporter, flow, basket)\n"
            f"  GROUP BY {group}\n)")  # fmt: skip


def series_years(store: Store | Engine, scope: Scope, *, reporters: Sequence[str] | None = None,
                 flows: Sequence[str] = ("X", "M"), all_years: bool = False) -> pl.DataFrame:
    """What each series of the scope's baskets holds, year by year: source, reporter, flow,
    basket, year, months (``held_years_cte``); the scope's years only unless ``all_years``.
    Where a default period or a divisor must come from what a series holds, not the store."""
    cte = held_years_cte(scope, flows=flows, reporters=reporters, all_years=all_years)
    return run(store, f"WITH {basket_cte(scope)},\n{cte}\n"
                      "SELECT * FROM held_years ORDER BY source, reporter, flow, basket, year")  # fmt: skip


def runs_behind(store: Store | Engine, scope: Scope, *, reporters: Sequence[str] | None | bool = True,
                sides: Sequence[tuple[Sequence[str] | None, Sequence[str]]] | None = None) -> pl.DataFrame:  # fmt: skip
    """The ingest runs whose files hold the scope's baskets in its years (table ``held``), with
    their files and how many of their figures later runs superseded: what a result rests on.
    ``sides``: the series read, each (reporters, flows) (None: every reporter); by default
    ``reporters`` (True: the scope's) in every flow."""
    if sides is None:
        sides = [(scope.reporters if reporters is True else reporters, list(FLOW_CODES))]
    span = (scope.first_year, scope.last_year)
    where = " OR ".join(f"({_held_where(scope, 'h', flows=list(flows), reporters=reps, years=span)})"
                        for reps, flows in sides)  # fmt: skip
    return run(store, f"""WITH {basket_cte(scope)},
runs AS (
  SELECT DISTINCT h.ingest_id FROM {_held_basket()}
  WHERE {where}
),
gone AS (SELECT ingest_id, COUNT(*) AS superseded FROM superseded GROUP BY ingest_id)
SELECT r.ingest_id AS run, i.file, COALESCE(g.superseded, 0) AS superseded
FROM runs r LEFT JOIN ingests i ON i.ingest_id = r.ingest_id LEFT JOIN gone g ON g.ingest_id = r.ingest_id
ORDER BY r.ingest_id""")


def describe_runs(runs: pl.DataFrame) -> str:
    """One line of provenance from ``runs_behind``: the runs and files a result rests on.

    >>> describe_runs(pl.DataFrame({"run": [1, 2], "file": ["/d/a.csv", "/d/b.csv"], "superseded": [3, 0]}))
    'runs 1 a.csv (3 figures superseded by later runs: tradeflows revisions), 2 b.csv'
    """
    parts = []
    for number, file, gone in runs.select("run", "file", "superseded").iter_rows():
        name = str(file).replace("\\", "/").rsplit("/", 1)[-1]
        note = f" ({gone} figures superseded by later runs: tradeflows revisions)" if gone else ""
        parts.append(f"{number} {name}{note}")
    return f"runs {', '.join(parts)}" if parts else "no run holds these figures"


def run(store: Store | Engine, sql: str) -> pl.DataFrame:
    """Run an indicator's SQL on the store (DuckDB, read-only), or on the engine given in
    its place (``tradeflows.engines``: Spark runs the same text, translated)."""
    from tradeflows.engines import as_engine

    return as_engine(store).sql(sql)


def describe_scope(scope: Scope) -> str:
    """One line of provenance: which codes under which revisions the figures stand on."""
    parts = []
    for (name,), frame in scope.baskets.group_by(["basket"], maintain_order=True):
        if "weight" not in frame.columns:
            frame = frame.with_columns(weight=pl.lit(1.0))
        converted = pl.col("note").str.contains("UNSD concordance")
        by_version = frame.group_by("hs_version", maintain_order=True).agg(
            pl.col("code"), pl.col("note").filter(~converted).first(), converted.sum().alias("n_converted")
        )
        text = "; ".join(
            f"HS{v} {','.join(c[:6])}{'...' if len(c) > 6 else ''}{' (' + n + ')' if n else ''}"
            + (f" ({k} of them converted from another revision through the UNSD concordance, equal split of merged "
               "codes)" if k else "")
            for v, c, n, k in by_version.iter_rows()
        )
        parts.append(f"basket {name}: {text}")
    return " | ".join(parts)


# -- helpers of the indicators added later (substitution, exempt siblings, absorption, screen) --


def sanctioned_codes(held: pl.DataFrame, names: Sequence[str] = SANCTIONED_BASKETS) -> pl.DataFrame:
    """The codes of the built-in sanctioned baskets ``names`` resolved against the codes a store
    holds (``held_codes``); a basket of which the store holds nothing is left out."""
    frames = []
    for name in names:
        try:
            frames.append(resolve_basket(as_basket(name), held))
        except NoDataError:  # the store holds none of these goods: nothing to leave out
            pass
    return pl.concat(frames) if frames else pl.DataFrame(schema={"hs_version": pl.Int16, "code": pl.String,
                                                                  "code_level": pl.Int8})  # fmt: skip


def codes_cte(name: str, codes: pl.DataFrame | None) -> str:
    """CTE ``name(hs_version, code, code_level)`` from resolved codes (None: no codes)."""
    columns = {"hs_version": "INTEGER", "code": "VARCHAR", "code_level": "INTEGER"}
    rows = [] if codes is None else codes.select(list(columns)).unique().sort(list(columns)).rows()
    return f"{name} AS (\n  {values_table(columns, rows)}\n)"


def ratio_of(after: str, baseline: str) -> str:
    """SQL: ``after / baseline`` where the baseline is positive, else NULL (a ratio of nothing)."""
    return f"CASE WHEN {baseline} > 0 THEN {after} / {baseline} END"
