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
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)


def _adapt(connection: Any, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Prepared:
    """A queryset compiled once; `convert=True` turns rows into Python values as the ORM would
    (aware datetimes and booleans on SQLite, say), otherwise rows are the driver's."""

    def __init__(self, build: Callable[..., QuerySet], *samples: Any, convert: bool = False) -> None:
        self.build = build
        self.samples = samples
        self.convert = convert
        self._compiled: dict[tuple[str, str], tuple[str, list[Any], Any]] = {}
        self._lock = threading.Lock()

    def _compile(self, connection: Any) -> tuple[str, list[Any], Any]:
        compiler = self.build(*self.samples).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        converters = None
        if self.convert:
            found_converters = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])
            converters = (compiler, found_converters) if found_converters else None
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
        if connection.vendor == "postgresql":
            sql, slots = _inline_constants(connection, sql, slots)
        return sql, slots, converters

    def rows(self, *args: Any, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]]:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(connection)
                self._compiled[key] = compiled
        sql, slots, converters = compiled
        values = [_adapt(connection, args[v]) if kind == "arg" else v for kind, v in slots]
        rows = _execute(connection, sql, values)
        if converters is not None:
            compiler, found = converters
            rows = [tuple(row) for row in compiler.apply_converters(rows, found)]
        return rows


def _inline_constants(connection: Any, sql: str, slots: list[Any]) -> tuple[str, list[Any]]:
    """Write the constant parameters (strings, numbers) into the SQL as literals.

    A prepared statement may be planned once for any values ("generic plan");
    the planner can use a partial index (`WHERE status IN (...)`) only when
    the values its condition names are in the statement itself.
    """
    from psycopg import sql as pgsql

    connection.ensure_connection()
    parts = re.split(r"(%%|%s)", sql)
    out: list[str] = []
    kept: list[Any] = []
    slot = iter(slots)
    for part in parts:
        if part != "%s":
            out.append(part)
            continue
        kind, value = next(slot)
        if kind == "const" and isinstance(value, str | int | float) and not isinstance(value, bool):
            out.append(pgsql.Literal(value).as_string(connection.connection).replace("%", "%%"))
        else:
            out.append("%s")
            kept.append((kind, value))
    return "".join(out), kept


def _server_cursor(raw: Any) -> Any:
    import psycopg

    return psycopg.Cursor(raw)


def partial_instance(model: type[Model], **values: Any) -> Model:
    """A model instance as loaded from the database with only these fields (attnames); others load when read."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        raise ValueError(f"unknown fields of {model.__name__}: {sorted(set(values) - set(names))}")
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[n] for n in names])


class CompiledInsert:
    """Mixin for a model whose new rows are saved often: its INSERT is compiled once per set of fields.

    Everything `Model.save()` does stays as it is (the signals, so the audit
    record; the fields' `pre_save`, so the timestamps; the transaction
    handling); only the step that builds the INSERT statement and binds its
    values is replaced by reusing the statement compiled the first time
    (prepared on the server on PostgreSQL, see `Prepared`). Saves that insert
    expressions, raw saves and models returning more than the primary key
    take Django's own path.
    """

    _compiled_inserts: dict[tuple[Any, ...], str] = {}

    def _do_insert(self, manager: Any, using: str, fields: list[Any], returning_fields: Any, raw: bool) -> Any:
        connection = connections[using]
        meta = self._meta  # type: ignore[attr-defined]
        if raw or list(returning_fields or ()) != [meta.pk] or not connection.features.can_return_columns_from_insert:
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        key = (type(self), using, connection.vendor, tuple(f.attname for f in fields))
        sql = self._compiled_inserts.get(key)
        if sql is None:
            from django.db.models.sql import InsertQuery

            query = InsertQuery(type(self))
            query.insert_values(fields, [self], raw=False)
            compiler = query.get_compiler(using=using)
            compiler.returning_fields = [meta.pk]
            [(sql, sample)] = compiler.as_sql()
            if len(sample) != len(fields):
                return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
            self._compiled_inserts[key] = sql
        values = []
        for field in fields:
            value = field.pre_save(self, True)
            if hasattr(value, "resolve_expression"):
                return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
            values.append(field.get_db_prep_save(value, connection))
        return [_execute(connection, sql, values)[0]]


def _execute(connection: Any, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """Run a statement and fetch its rows; once more on a fresh connection when the server dropped
    the old one (a PostgreSQL restart) and no transaction was open, so the caller never sees it."""
    try:
        return _execute_once(connection, sql, values)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise  # the transaction's earlier work is gone with the connection: the caller must know
        logger.warning("database connection lost; reconnecting once")
        connection.close()
        return _execute_once(connection, sql, values)


def _execute_once(connection: Any, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """Run a statement and fetch its rows; on PostgreSQL prepared on the server (once per connection)."""
    if connection.vendor == "postgresql" and getattr(settings, "YINGJI_DB_PREPARED", True):
        # The raw connection is used below, so Django's own check of a reused connection
        # (CONN_HEALTH_CHECKS, done when a cursor is taken) must be asked for here.
        connection.close_if_health_check_failed()
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
