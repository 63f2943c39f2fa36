"""Query helpers that keep a scoped read index-served at any table size (issue 9 item 3)."""

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class AmongIds(Expression):
    """`field IN (subquery)` that stays index-served inside an OR.

    PostgreSQL plans `x IN (SELECT …)` under an OR as a filter evaluated on every row (a
    "hashed SubPlan"), which turns a scoped list into a sequential scan of the table. Written
    `x = ANY(ARRAY(SELECT …))` the subquery runs once, first, and its ids become an index
    condition like a list of constants, so each branch of the OR is an index scan. Other
    databases get the plain `IN (subquery)`, which means the same."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, subquery: QuerySet[Any]) -> None:
        super().__init__()
        self.lhs: Any = F(field)
        self.subquery: Any = Subquery(subquery)

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs, self.subquery = exprs

    def as_sql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        lhs, lhs_params = compiler.compile(self.lhs)
        sub, sub_params = compiler.compile(self.subquery)
        return f"{lhs} IN {sub}", (*lhs_params, *sub_params)

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        lhs, lhs_params = compiler.compile(self.lhs)
        sub, sub_params = compiler.compile(self.subquery)
        return f"{lhs} = ANY(ARRAY{sub})", (*lhs_params, *sub_params)
