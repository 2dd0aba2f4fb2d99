"""Synthetic trade worlds with known circumvention patterns, and writers of source files.

>>> from tradeflows.synthetic import WorldConfig, generate_world
>>> world = generate_world(WorldConfig(products=("847130",), years=(2021, 2022)))
>>> sorted(world.flows["flow"].unique())
['M', 'X']
"""

from tradeflows.synthetic.files import write_baci_csv, write_comtrade_csv, write_parquet
from tradeflows.synthetic.world import (
    DEFAULT_CALIBRATIONS,
    DEFAULT_COUNTRIES,
    DEFAULT_PRODUCTS,
    SANCTIONED_BASKETS,
    Calibration,
    SyntheticWorld,
    WorldConfig,
    generate_world,
)

__all__ = [
    "DEFAULT_CALIBRATIONS",
    "DEFAULT_COUNTRIES",
    "DEFAULT_PRODUCTS",
    "SANCTIONED_BASKETS",
    "Calibration",
    "SyntheticWorld",
    "WorldConfig",
    "generate_world",
    "write_baci_csv",
    "write_comtrade_csv",
    "write_parquet",
]
