"""Querysets compiled to SQL once and run again with other values: the hot paths of intake and ranking.

Compiling a queryset costs several times more CPU than running its SQL on a
warm connection (about 0.8 ms against 0.15 ms on the 2-core machine of
docs/performance.md). Intake and ranking run the same few small queries for
every incident, so each is written once as an ordinary queryset, compiled the
first time with sample values, and afterwards only executed:

    BY_KEY = Prepared(lambda source, key: Incident.objects.filter(
        external_source=source, idempotency_key=key).values_list("pk")[:1], "s", "k")
    rows = BY_KEY.rows("119", "A-1")

`build(*samples)` must give a queryset whose SQL parameters are the sample
values (in any order, once each) plus any constants; compiling checks that
every sample was found, so a queryset that transforms a value (a lookup that
wraps it in `%...%`, say) is refused at once instead of answering wrongly.
The SQL is kept per database alias and vendor; rows come back as the
database driver gives them (JSON as text).

On PostgreSQL the statement is also prepared on the server (psycopg 3,
server-side parameters), once per connection: planning the team sync (a
UNION over five joins) costs ten times more than running it. Set
`YINGJI_DB_PREPARED = False` where a connection pooler cannot keep prepared
statements (PgBouncer in transaction mode before 1.21).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


def _adapt(connection: Any, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], *samples: Any) -> None:
        self.build = build
        self.samples = samples
        self._compiled: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        self._lock = threading.Lock()

    def _compile(self, connection: Any) -> tuple[str, list[Any]]:
        sql, params = self.build(*self.samples).query.sql_with_params()
        adapted = [_adapt(connection, s) for s in self.samples]
        # Each parameter is either a sample (→ its position among the arguments) or a constant.
        slots: list[Any] = []
        found = set()
        for param in params:
            index = next((i for i, s in enumerate(adapted) if type(s) is type(param) and s == param), None)
            if index is None:
                slots.append(("const", param))
            else:
                slots.append(("arg", index))
                found.add(index)
        if len(found) != len(self.samples):
            raise ValueError(f"Prepared: the queryset does not pass every sample through as is: {sql}")
        return sql, slots

    def rows(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(connection)
                self._compiled[key] = compiled
        sql, slots = compiled
        values = [_adapt(connection, args[v]) if kind == "arg" else v for kind, v in slots]
        if connection.vendor == "postgresql" and getattr(settings, "YINGJI_DB_PREPARED", True):
            connection.ensure_connection()
            raw = connection.connection
            if hasattr(raw, "prepare_threshold"):  # psycopg 3
                with connection.wrap_database_errors:
                    cursor = _server_cursor(raw)
                    try:
                        cursor.execute(sql, values, prepare=True)
                        return cursor.fetchall()
                    finally:
                        cursor.close()
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()


def _server_cursor(raw: Any) -> Any:
    import psycopg

    return psycopg.Cursor(raw)


def partial_instance(model: type[Model], **values: Any) -> Model:
    """A model instance as loaded from the database with only these fields (attnames); others load when read."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        raise ValueError(f"unknown fields of {model.__name__}: {sorted(set(values) - set(names))}")
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[n] for n in names])
