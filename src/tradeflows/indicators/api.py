"""The keyword API every indicator shares, defined once.

An indicator module declares what is its own, once:

- ``Settings``, a frozen dataclass of its options (growth: by_partner, threshold, z_threshold);
- ``SCOPE``, a ``ScopeSpec``: its defaults for the common scope keywords, the flow it reads
  itself where it takes none, and the series it reads (``reads``: whose years give the default
  periods, whose ingest runs the provenance names);
- ``sql(scope, settings)``, its one SQL text, and ``run(store, scope, settings)`` where it
  computes more than that text (the DiD's regression).

``public_function`` makes from them the function users call,
``growth(store, basket=..., reporter=..., baseline=..., threshold=...)``: the common keywords
(``base.SCOPE_PARAMETERS``) are resolved into one ``Scope``, the rest are the settings. The
registry (``tradeflows.indicators.INDICATORS``) gives the CLI, reports, benchmarks and other
engines the same entry points.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Settings:
...     threshold: float = 2.0
>>> f = public_function("demo", settings=Settings, scope=ScopeSpec(), sql=lambda s, o: "", doc="Demo.")
>>> list(inspect.signature(f).parameters)[:4], list(inspect.signature(f).parameters)[-1]
(['store', 'basket', 'reporter', 'partner'], 'threshold')
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    SCOPE_PARAMETERS,
    Scope,
    as_countries,
    resolve_scope,
    run,
)

if TYPE_CHECKING:
    import polars as pl

    from tradeflows.engines import Engine
    from tradeflows.store import Store

REQUIRED = inspect.Parameter.empty
# The common keywords and their defaults, in the order signatures list them.
SCOPE_DEFAULTS: dict[str, Any] = {
    "basket": REQUIRED, "reporter": None, "partner": None, "flow": "X", "baseline": DEFAULT_BASELINE,
    "after": DEFAULT_AFTER, "source": None, "baskets": None, "groups": None, "partial": "like_for_like",
}  # fmt: skip
assert tuple(SCOPE_DEFAULTS) == SCOPE_PARAMETERS


@dataclass(frozen=True)
class ScopeSpec:
    """How an indicator takes the common scope keywords.

    ``basket``/``reporter``/``partner``: its defaults (``REQUIRED``: the caller must name one);
    ``flow``: the flow it reads itself (it then takes no ``flow``), None to take the caller's;
    ``without``: keywords it does not take; ``names``: a keyword it calls otherwise (the DiD's
    ``origin`` is the scope's reporter); ``reads``: the series behind its figures, each (side,
    flow): side ``reporter``, ``partner`` or a settings field naming countries (``origin``),
    flow None for the scope's.
    """

    basket: Any = REQUIRED
    reporter: Any = None
    partner: Any = None
    flow: str | None = None
    without: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    reads: tuple[tuple[str, str | None], ...] = (("reporter", None),)

    def keywords(self) -> dict[str, Any]:
        """The scope keywords the indicator takes, by the name it takes them, with its defaults."""
        own = {"basket": self.basket, "reporter": self.reporter, "partner": self.partner}
        taken = {k: own.get(k, d) for k, d in SCOPE_DEFAULTS.items()
                 if k not in self.without and not (k == "flow" and self.flow)}  # fmt: skip
        return {self.names.get(k, k): d for k, d in taken.items()}

    def resolve(self, store: Store | Engine | None, **given: Any) -> Scope:
        """The Scope of a call: ``given`` by the indicator's names, its defaults for the rest
        (a baseline/after given as None comes from the years the series hold)."""
        back = {v: k for k, v in self.names.items()}
        values = {
            **{back.get(k, k): d for k, d in self.keywords().items()},
            **{back.get(k, k): v for k, v in given.items()},
        }
        if values.get("basket") is REQUIRED:
            raise TypeError("missing a required keyword argument: 'basket'")
        if self.flow:
            values["flow"] = self.flow
        flows = tuple(dict.fromkeys(f or values.get("flow", "X") for side, f in self.reads if side == "reporter"))
        default_basket = "basket" not in given and not isinstance(self.basket, str)
        return resolve_scope(store, **values, period_flows=flows or None, held_only=default_basket)

    def sides(self, scope: Scope, settings: Any) -> list[tuple[tuple[str, ...] | None, tuple[str, ...]]]:
        """The (reporters, flows) of the series the figures rest on (None: every reporter)."""
        out = []
        for side, flow in self.reads:
            if side == "reporter":
                countries = scope.reporters
            elif side == "partner":
                countries = scope.partners
            else:
                countries = as_countries(getattr(settings, side), name=side, groups=scope.groups)[0]
            out.append((countries, (flow or scope.flow,)))
        return out


def settings_of(cls: type, settings: Any = None, options: dict[str, Any] | None = None) -> Any:
    """``settings`` (an instance of ``cls``, or None for the defaults) with ``options`` changed."""
    settings = cls() if settings is None else settings
    return dataclasses.replace(settings, **options) if options else settings


def takes_settings(cls: type) -> Callable[[Callable[[Scope, Any], str]], Callable[..., str]]:
    """Let ``sql(scope, settings)`` also be called with the settings as keywords
    (``sql(scope, by_partner=True)``), as callers written before the settings objects do."""

    def wrap(fn: Callable[[Scope, Any], str]) -> Callable[..., str]:
        @functools.wraps(fn)
        def sql(scope: Scope, settings: Any = None, /, **options: Any) -> str:
            return fn(scope, settings_of(cls, settings, options))

        return sql

    return wrap


def runner(sql: Callable[..., str]) -> Callable[..., pl.DataFrame]:
    """``run(store, scope, settings)`` of an indicator that is one SQL text."""

    def run_sql(store: Store | Engine, scope: Scope, settings: Any) -> pl.DataFrame:
        return run(store, sql(scope, settings))

    return run_sql


def frame_function(settings: type, run_it: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
    """``frame(store, scope, **options)``: the indicator on an already resolved scope, options as
    keywords (``groups`` given there names the settings' countries)."""

    def frame(store: Store | Engine, scope: Scope, **options: Any) -> pl.DataFrame:
        """Run the indicator for an already resolved scope (``options``: its settings)."""
        groups = options.pop("groups", None)
        if groups:
            scope = dataclasses.replace(scope, groups={**scope.groups, **groups})
        return run_it(store, scope, settings_of(settings, None, options))

    return frame


def public_function(name: str, *, settings: type, scope: ScopeSpec, doc: str,
                    sql: Callable[..., str] | None = None, run: Callable[..., pl.DataFrame] | None = None,
                    ) -> Callable[..., pl.DataFrame]:  # fmt: skip
    """The keyword function of an indicator: ``name(store, *, <scope keywords>, <settings>)``."""
    run_it = run or runner(sql)  # type: ignore[arg-type]
    own = {f.name for f in dataclasses.fields(settings)}
    taken = scope.keywords()

    def function(store: Store | Engine, /, **keywords: Any) -> pl.DataFrame:
        unknown = sorted(set(keywords) - own - set(taken))
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}")
        given = {k: v for k, v in keywords.items() if k in taken}
        options = {k: v for k, v in keywords.items() if k in own}
        return run_it(store, scope.resolve(store, **given), settings(**options))

    parameters = [inspect.Parameter("store", inspect.Parameter.POSITIONAL_ONLY)]
    parameters += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=d) for k, d in taken.items()]
    try:
        hints = typing.get_type_hints(settings)
    except NameError:  # a type only imported for type checking: the signature goes without
        hints = {}
    parameters += [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                                     annotation=hints.get(f.name, inspect.Parameter.empty))
                   for f in dataclasses.fields(settings)]  # fmt: skip
    function.__name__ = function.__qualname__ = name
    function.__module__ = settings.__module__  # the indicator's module, where help() says it lives
    function.__doc__ = doc
    function.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return function
