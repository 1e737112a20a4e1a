"""The one formula neutraliser every CSV and spreadsheet writer uses.

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab, a carriage return or ``|``) as a formula: ``=HYPERLINK(...)`` in an organisation's
name would become a live link. Such text is written with a leading apostrophe, which keeps
it text; numbers, dates and empty cells are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """The value as a cell may hold it: text a spreadsheet would run is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutralised(row: Iterable[Any]) -> list[Any]:
    """A whole row through ``neutralise``."""
    return [neutralise(value) for value in row]
