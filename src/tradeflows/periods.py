"""Year ranges as users write them: ``2021`` or ``2019-2021``."""

from __future__ import annotations

import re

from tradeflows.errors import ParameterError


def parse_years(text: str, *, name: str = "--years") -> tuple[int, int]:
    """Parse a year or an inclusive range of years.

    >>> parse_years("2019-2021"), parse_years("2023")
    ((2019, 2021), (2023, 2023))
    """
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-:]\s*(\d{4}))?\s*", text)
    if not match:
        raise ParameterError(f"{name} {text!r}: expected a year (2021) or a range (2019-2021)")
    first, last = int(match[1]), int(match[2] or match[1])
    if first > last:
        raise ParameterError(f"{name} {text!r}: the range runs backwards; expected {last}-{first}")
    return first, last
