"""List views that stay fast at a million rows: seek paging and a capped count.

Stock Flask-Admin lists run ``count(*)`` over the whole filtered table and page
with ``OFFSET``, both of which read every row before the page. Here a page is
"the next ``page_size`` rows after this sort key" (an index range scan, as
quick on page 50,000 as on page 1) and the count stops at ``count_cap``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from typing import Any

from flask import g, request, url_for
from sqlalchemy import func, tuple_

from backoffice.extensions import db

CURSOR_ARG = "after"


def encode_cursor(values: tuple) -> str:
    """An opaque, URL-safe token for the sort key of the last row shown."""
    plain = json.dumps([_to_json(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, columns: tuple) -> tuple | None:
    """The sort key back from its token; None for a missing or tampered token."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(columns):
            return None
        return tuple(_from_json(value, column) for value, column in zip(values, columns,
                                                                           strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _from_json(value: Any, column) -> Any:
    python_type = column.type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if not isinstance(value, python_type):
        raise TypeError("cursor value of the wrong type")
    return value


class KeysetPaging:
    """Mixin for a Flask-Admin ``ModelView``: seek paging on ``keyset_sorts``, capped count.

    ``keyset_sorts`` maps each sortable column name (None: the default order) to the
    columns that order the list; the model's primary key is appended so the order is
    total. Indexes on those column tuples make every page an index range scan.
    """

    simple_list_pager = True
    count_cap = 10_000
    keyset_sorts: dict[str | None, tuple] = {}

    def keyset_columns(self, sort_column: str | None) -> tuple:
        columns = self.keyset_sorts.get(sort_column) or self.keyset_sorts[None]
        return (*columns, self.model.id)

    def count_base_query(self):
        """The query the capped count filters: only primary keys, no eager loading."""
        return db.session.query(self.model.id)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        query, count_query = self._filtered(self.get_query(), self.count_base_query(),
                                            search, filters)
        columns = self.keyset_columns(sort_column)
        after = decode_cursor(request.args.get(CURSOR_ARG), columns)
        if after is not None:
            key = tuple_(*columns)
            query = query.filter(key < after if sort_desc else key > after)
        query = query.order_by(*[c.desc() if sort_desc else c.asc() for c in columns])
        size = page_size or self.page_size
        rows = query.limit(size + 1).all()
        g.keyset = {"next": self._cursor_after(rows, size, columns),
                    "first": after is not None,
                    "total": self._capped_count(count_query)}
        return None, rows[:size]

    def _filtered(self, query, count_query, search, filters):
        joins: dict = {}
        count_joins: dict = {}
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search)
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters)
        return query, count_query

    def _cursor_after(self, rows, size: int, columns: tuple) -> str | None:
        if len(rows) <= size:
            return None
        last = rows[size - 1]
        return encode_cursor(tuple(getattr(last, column.key) for column in columns))

    def _capped_count(self, count_query) -> tuple[int, bool]:
        """(count, capped): the number of rows, counting no further than ``count_cap``."""
        limited = count_query.order_by(None).limit(self.count_cap + 1).subquery()
        count = db.session.query(func.count()).select_from(limited).scalar()
        return min(count, self.count_cap), count > self.count_cap

    def page_url(self, cursor: str | None) -> str:
        """This list with the same search, filters and sort, starting after ``cursor``."""
        args = {k: v for k, v in request.args.items(multi=True) if k not in (CURSOR_ARG, "page")}
        if cursor:
            args[CURSOR_ARG] = cursor
        return url_for(".index_view", **args)

    def keyset_state(self) -> dict:
        return g.get("keyset", {"next": None, "first": False, "total": (0, False)})
