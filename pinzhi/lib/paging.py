"""A pager that never counts a whole table (issue 9 item 3)."""

import sys
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Rows a list counts at most: beyond it the list says "more than …".
COUNT_CAP = 1000


class CappedPage(Page):
    """A page of a list whose end is known only when it is reached."""

    more = False

    def has_next(self) -> bool:
        if getattr(self.paginator, "capped", False):
            return self.more
        return super().has_next()


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (one bounded query: the first cap + 1 ids); a longer list
    reads one row beyond each page to know whether a next page exists, and shows no total.
    The rows of a page are the same as Django's `Paginator` gives."""

    def __init__(
        self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, cap=self.cap)

    @cached_property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return sys.maxsize  # unknown: the pages go on while rows do
        return super().num_pages

    def _get_page(self, *args: Any, **kwargs: Any) -> CappedPage:
        return CappedPage(*args, **kwargs)

    def page(self, number: Any) -> CappedPage:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)  # type: ignore[return-value]
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        page = self._get_page(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def get_page(self, number: Any) -> CappedPage:
        return super().get_page(number)  # type: ignore[return-value]


def capped_count(rows: Any, *, cap: int | None = None) -> int:
    """How many `rows` there are, counted up to cap + 1 in one bounded query (issue 9 item
    3): a number above `cap` (default COUNT_CAP) means "more than cap"."""
    cap = COUNT_CAP if cap is None else cap
    if hasattr(rows, "values"):
        # No order, no annotation, no join the filters do not need: the database stops
        # after cap + 1 matching rows.
        rows = rows.order_by().values("pk")
    first = rows[: cap + 1]
    return first.count() if isinstance(first, QuerySet) else len(first)
