"""Writing many rows at once: PostgreSQL's COPY, ids drawn from the table's sequence first.

One-click activation of a district calls hundreds of teams and queues a
call-out for each of their thousands of members inside one transaction.
`bulk_create` on PostgreSQL sends each column as an array that psycopg quotes
in Python, element by element (about 60 µs a row for a notification with its
JSON payload); COPY streams the rows in psycopg's C code. Both write the same
rows with the same constraints checked and, like `bulk_create`, send no model
signals. On any other database these fall back to `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

BATCH = 2000


def copies(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this database is written with COPY here (PostgreSQL with psycopg 3)."""
    if connections[using].vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def new_ids(model: type[Model], n: int, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """`n` ids from the primary key's sequence (PostgreSQL), for rows about to be copied."""
    connection = connections[using]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, n])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]],
              using: str = DEFAULT_DB_ALIAS) -> None:
    """COPY plain values (already in database form; JSON as text) into these columns of the model's table."""
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def bulk_insert(objs: list[Model], using: str = DEFAULT_DB_ALIAS) -> list[Model]:
    """`bulk_create(objs)`, through COPY on PostgreSQL; every object gets its id."""
    if not objs:
        return objs
    model = type(objs[0])
    if not copies(using):
        return model._default_manager.using(using).bulk_create(objs, batch_size=BATCH)
    connection = connections[using]
    meta = model._meta
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    for obj, pk in zip(objs, new_ids(model, len(objs), using), strict=True):
        setattr(obj, meta.pk.attname, pk)
    fields = list(meta.concrete_fields)
    copy_rows(model, [f.column for f in fields],
              ([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs), using)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs



def insert_values(model: type[Model], fixed: dict[str, Any], varying: Sequence[str],
                  rows: Iterable[Sequence[Any]], using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert rows given as plain values, without building a model instance per row; answers the count.

    `fixed` holds the values every row shares, `varying` names the fields
    (attnames: `user_id`) of each tuple in `rows`; together they must name
    every concrete field but the primary key, which the database assigns (so a
    field added to the model later is not silently left out). Values are in
    database form except that `fixed` may hold datetimes. `rows` may be a
    generator, read while the COPY runs: it must not query the database. COPY on PostgreSQL,
    `bulk_create` elsewhere. A message to a district's 10,000 key people is
    20,000 deliveries: building them as instances costs more than writing them.
    """
    meta = model._meta
    names = [f.attname for f in meta.concrete_fields if not f.primary_key]
    if set(names) != set(fixed) | set(varying) or set(fixed) & set(varying):
        missing = set(names) - set(fixed) - set(varying)
        raise ValueError(f"insert_values into {meta.label}: fields missing {sorted(missing)} or given twice")
    count = 0
    if copies(using):
        by_name = {f.attname: f for f in meta.concrete_fields}
        columns = [by_name[name].column for name in (*fixed, *varying)]
        head = list(fixed.values())

        def all_rows() -> Iterable[list[Any]]:
            nonlocal count
            for row in rows:
                count += 1
                yield head + list(row)

        copy_rows(model, columns, all_rows(), using)
        return count
    manager = model._default_manager.using(using)
    batch: list[Model] = []
    for row in rows:
        batch.append(model(**fixed, **dict(zip(varying, row, strict=True))))
        if len(batch) >= BATCH:
            manager.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        manager.bulk_create(batch)
        count += len(batch)
    return count


def update_by_pk(objs: Sequence[Model], fields: Sequence[str], using: str = DEFAULT_DB_ALIAS) -> int:
    """Write `fields` of each object to its row: on PostgreSQL one `UPDATE … FROM (VALUES …)` per
    2,000 rows, elsewhere `bulk_update`.

    `bulk_update` builds a `CASE WHEN pk = … THEN …` per field and row; compiling it
    costs about 1 ms a row in Python (the IoT listener updating 500 devices a batch
    spent most of its time there). Like `bulk_update`, it sends no signals.
    """
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._base_manager.using(using).bulk_update(objs, fields)
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    # Every value carries its column's type: a VALUES column of NULLs would otherwise be text.
    casts = [f"%s::{meta.pk.rel_db_type(connection)}"] + [f"%s::{f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
                                                         for f in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ", ".join(qn(c) for c in [meta.pk.column, *[f.column for f in columns]])
    assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns)
    total = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            chunk = objs[start:start + BATCH]
            params: list[Any] = []
            for obj in chunk:
                params.append(meta.pk.get_db_prep_value(obj.pk, connection))
                params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)
            cursor.execute(
                f"UPDATE {qn(meta.db_table)} AS t SET {assignments} FROM (VALUES {', '.join([row_sql] * len(chunk))})"
                f" AS v({names}) WHERE t.{qn(meta.pk.column)} = v.{qn(meta.pk.column)}", params)
            total += cursor.rowcount
    return total
