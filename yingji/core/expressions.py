"""Database expressions the ledgers share (the platform layer; one per concept).

`Microseconds(end, start)`: the time from one date-time column to another, as whole microseconds,
worked out by the database — exactly the `(end - start)` of the two Python datetimes, without
reading either (reading a date-time costs a parse and a time-zone conversion per value on SQLite:
two-thirds of the incident statistics' CPU, issue 13). NULL when either is NULL.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Func


class Microseconds(Func):
    """Whole microseconds from `start` to `end` (negative when `end` is earlier).

    PostgreSQL subtracts the timestamps (an exact interval); SQLite stores a date-time as UTC text,
    'YYYY-MM-DD HH:MM:SS' with '.ffffff' when the microseconds are not zero (Django's adapter), so
    the whole seconds come from strftime('%s') of the text without its fraction (strftime rounds
    .999999 up to the next second) and the microseconds from the fraction — integers throughout, no
    floating-point days (julianday would miss by up to ~50 µs and could move a duration across a
    target such as 60 s)."""

    output_field = BigIntegerField()
    arity = 2

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # PostgreSQL
        return super().as_sql(compiler, connection,
                              template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000000 AS BIGINT)",
                              arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        end, start = (compiler.compile(expression) for expression in self.get_source_expressions())
        part = ("(CAST(strftime('%%s', substr({x}, 1, 19)) AS INTEGER) * 1000000"
                " + CAST(substr({x}, 21, 6) AS INTEGER))")
        sql = f"({part.format(x=end[0])} - {part.format(x=start[0])})"
        return sql, (*end[1], *end[1], *start[1], *start[1])
