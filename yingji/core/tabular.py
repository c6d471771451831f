"""Import and export of ledgers as Excel (and CSV), declared once per model.

A `TableSpec` lists the columns of a ledger. The same columns are written out
by export and read back by import, so an exported file re-imports unchanged.
Headers are recognised in Chinese and English whatever the user's language.
An import runs in one transaction: every row is checked, every error names
its row and column, and if any row fails nothing is written.

Used by the import/export views and API of every capability app; each app
declares its specs in its own `imports.py`.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from yingji.core import xlsx_stream
from yingji.core.masking import Viewer, mask, personal_kind
from yingji.core.scope import ensure, has_perm_somewhere, object_path, perm_name
from yingji.core.xlsx_stream import clean_text

Parser = Callable[[str], Any]

MAX_IMPORT_ROWS = 200_000
# Hard limits of an import, enforced while the file is read (settings may lower them): a
# small .xlsx can declare a sheet of a million rows by 16,384 columns, or unzip to gigabytes.
LIMITS = {"bytes": 20 * 1024 * 1024, "unzipped_bytes": 200 * 1024 * 1024, "rows": MAX_IMPORT_ROWS,
          "columns": 200, "cell_chars": 10_000}


def limit(name: str) -> int:
    return int(getattr(settings, "YINGJI_IMPORT_LIMITS", {}).get(name, LIMITS[name]))


class CellError(ValueError):
    """A cell's text cannot be turned into a value; the message says why."""


class FileError(CellError):
    """The file as a whole is refused while reading it, at a row and column when there is one."""

    def __init__(self, message: str, row: int = 1, column: str = "") -> None:
        super().__init__(message)
        self.row, self.column = row, column


# ---------------------------------------------------------------- parsers
def text(max_length: int | None = None) -> Parser:
    def parse(raw: str) -> str:
        if max_length is not None and len(raw) > max_length:
            raise CellError(_("At most %(n)s characters.") % {"n": max_length})
        return raw
    return parse


def integer(minimum: int | None = 0) -> Parser:
    def parse(raw: str) -> int:
        try:
            number = decimal.Decimal(raw.replace(",", ""))
        except decimal.InvalidOperation as exc:
            raise CellError(_("Enter a whole number.")) from exc
        if number != number.to_integral_value():
            raise CellError(_("Enter a whole number."))
        if minimum is not None and number < minimum:
            raise CellError(_("Must be at least %(n)s.") % {"n": minimum})
        return int(number)
    return parse


def number(minimum: float | None = None, maximum: float | None = None) -> Parser:
    def parse(raw: str) -> float:
        try:
            value = float(raw.replace(",", ""))
        except ValueError as exc:
            raise CellError(_("Enter a number.")) from exc
        if minimum is not None and value < minimum:
            raise CellError(_("Must be at least %(n)s.") % {"n": minimum})
        if maximum is not None and value > maximum:
            raise CellError(_("Must be at most %(n)s.") % {"n": maximum})
        return value
    return parse


def date() -> Parser:
    def parse(raw: str) -> datetime.date:
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
            try:
                return datetime.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        raise CellError(_("Enter a date as YYYY-MM-DD."))
    return parse


def boolean() -> Parser:
    words = {"是": True, "否": False, "yes": True, "no": False, "true": True, "false": False,
             "1": True, "0": False, "y": True, "n": False}

    def parse(raw: str) -> bool:
        try:
            return words[raw.strip().lower()]
        except KeyError as exc:
            raise CellError(_("Enter 是 or 否 (yes or no).")) from exc
    return parse


def choice(choices: type[models.Choices]) -> Parser:
    """Accept a choice's value or its label in Chinese or English."""

    def parse(raw: str) -> str:
        wanted = raw.strip().lower()
        for value, label in choices.choices:
            names = {str(value).lower()}
            for lang in ("zh-hans", "en"):
                with translation.override(lang):
                    names.add(str(label).lower())
            if wanted in names:
                return value
        with translation.override(translation.get_language()):
            allowed = "、".join(str(label) for label in choices.labels)
        raise CellError(_("Choose one of: %(choices)s.") % {"choices": allowed})
    return parse


def render(value: Any) -> Any:
    """A model value as it is written into a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def text_stays_text(cell: Any) -> Any:
    """A cell whose text starts with "=" kept as text: Excel would run it as a formula
    (=HYPERLINK(…), =cmd|…) — what a user typed never becomes one. Answers the cell."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell


def safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append` (write-only sheets too): no text becomes a formula, no control
    character breaks the file. Every export writes its rows through here."""
    row = []
    for value in values:
        value = clean_text(value)
        row.append(text_stays_text(WriteOnlyCell(sheet, value=value))
                   if isinstance(value, str) and value.startswith("=") else value)
    return row


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_sheet(book: Any, title: str, header: list[str], rows: Iterable[list[Any]], widths: list[int]) -> None:
    """A sheet of a report workbook (figures, not a ledger): bold header, column widths, frozen first row."""
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(safe_row(sheet, row))


def workbook_bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- specs
class Record(SimpleNamespace):
    """One exported row read as plain values (`TableSpec.export_fields`)."""


def records(queryset: models.QuerySet, fields: Iterable[str]) -> Iterator[Any]:
    """The rows of `queryset` as records whose attributes follow the lookups: the values of
    ("code", "warehouse__code") are read as `row.code` and `row.warehouse.code`. A record of a
    scoped model has its `scope_path`, so `core.scope.object_path` (the masking gate) reads it."""
    fields = tuple(fields)
    scope_path = getattr(queryset.model, "scope_path", None)
    kind = type("Record", (Record,), {"scope_path": scope_path}) if scope_path else Record
    paths = [field.split("__") for field in fields]
    flat = all(len(parts) == 1 for parts in paths)
    for values in queryset.values_list(*fields).iterator(chunk_size=2000):
        if flat:
            yield kind(**dict(zip(fields, values, strict=True)))
            continue
        row = kind()
        for parts, value in zip(paths, values, strict=True):
            target = row
            for part in parts[:-1]:
                inner = target.__dict__.get(part)
                if inner is None:
                    inner = Record()
                    setattr(target, part, inner)
                target = inner
            setattr(target, parts[-1], value)
        yield row


@dataclass
class Column:
    field: str
    header: Any  # a lazy translation; recognised in every language on import
    required: bool = False
    parse: Parser | None = None  # defaults to text, or to the choices when given
    # How to read the value off an object for export; defaults to the attribute.
    get: Callable[[Any], Any] | None = None
    # A choices class renders its label on export and accepts value or label on import.
    choices: type[models.Choices] | None = None
    width: int = 16
    _labels: dict[tuple[str | None, Any], str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.parse is None:
            self.parse = choice(self.choices) if self.choices is not None else text()

    def header_names(self) -> set[str]:
        names = {self.field.lower()}
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                names.add(str(self.header).strip().lower())
        return names

    def value_of(self, obj: Any) -> Any:
        value = self.get(obj) if self.get else getattr(obj, self.field)
        if self.choices is not None and value not in (None, ""):
            return self.label(value)
        return render(value)

    def label(self, value: Any) -> str:
        """The label of a choice in the active language (looked up once per language: an export
        asks for the same few labels on every row)."""
        key = (translation.get_language(), value)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = str(self.choices(value).label)  # type: ignore[misc]
        return found


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [{"row": e.row, "column": e.column, "message": e.message, "text": str(e)}
                           for e in self.errors]}


class TableSpec:
    """The columns of one ledger and how a row becomes a model instance.

    Subclasses set `model`, `columns`, `title` and `natural_key` (column fields
    that identify a row, for idempotent re-import) and implement `save_row`.
    """

    model: type[models.Model]
    title: Any = ""
    columns: list[Column] = []
    natural_key: tuple[str, ...] = ()
    # The lookups an export reads, when declared: the export's rows are then plain records read
    # with `values_list`, with the model's attribute paths (`lot.warehouse.code`), not model
    # instances — building three models per stock lot was most of a district's export time.
    # List every field the columns read; a spec with personal columns lists the model's
    # `scope_path` too (the masking gate reads it).
    export_fields: tuple[str, ...] = ()

    def __init__(self, user: Any) -> None:
        self.user = user
        self.viewer = Viewer(user)

    # -- export
    def export_queryset(self) -> models.QuerySet:
        # The rows the user may *export* (`<app>.export_<model>`), not merely see.
        return self.model.objects.restrict(self.user, "export")  # type: ignore[attr-defined]

    def personal_columns(self) -> list[tuple[int, str]]:
        """(position, kind) of the columns holding phones or ID numbers (core.masking decides which)."""
        return [(i, kind) for i, column in enumerate(self.columns)
                if (kind := personal_kind(self.model, column.field)) is not None]

    def rows(self, objects: Iterable[Any]) -> Iterator[list[Any]]:
        personal = self.personal_columns()
        scoped = None
        for obj in objects:
            row = [column.value_of(obj) for column in self.columns]
            # Every export passes the one masking gate: whatever a spec's columns compute.
            if personal:
                if scoped is None:
                    scoped = hasattr(type(obj), "scope_path")
                if not self.viewer.may_see(object_path(obj) if scoped else ""):
                    for index, kind in personal:
                        row[index] = mask(kind, row[index])
            yield row

    def to_xlsx(self, objects: Iterable[Any] | None = None) -> bytes:
        """The ledger (or an empty template when `objects` is empty) as an .xlsx file in memory."""
        return b"".join(self.stream_xlsx(objects))

    def stream_xlsx(self, objects: Iterable[Any] | None = None) -> Iterator[bytes]:
        """The ledger (`objects`, by default `export_queryset()`; an empty template when empty)
        as an .xlsx file in pieces, rows read and written as the pieces are sent
        (`core.files.xlsx_response` answers them as a streamed download).

        The export permission is checked now, before the first piece, and the user's language
        kept for the rows: a streamed body is written after the view has returned."""
        if objects is None and not has_perm_somewhere(self.user, perm_name(self.model, "export")):
            raise PermissionDenied(_("You may not export this ledger."))
        header = [(clean_text(str(column.header)) + (" *" if column.required else ""), column.required)
                  for column in self.columns]
        widths = [column.width for column in self.columns]
        title = str(self.title) or "sheet"
        language = translation.get_language()

        def rows() -> Iterator[list[Any]]:
            source = self.export_queryset() if objects is None else objects
            if isinstance(source, models.QuerySet):
                # Rows in chunks: the ORM neither caches the whole ledger nor builds it at once.
                source = (records(source, self.export_fields) if self.export_fields
                          else source.iterator(chunk_size=2000))
            with translation.override(language):
                yield from self.rows(source)

        return xlsx_stream.stream(title, header, widths, rows())

    # -- import
    def save_row(self, values: dict[str, Any], existing: Any | None) -> Any:
        """Create or update one row; raise ValidationError({field: message}) to refuse it."""
        raise NotImplementedError

    def find_existing(self, values: dict[str, Any]) -> Any | None:
        if not self.natural_key:
            return None
        lookup = {key: values[key] for key in self.natural_key}
        return self.model._base_manager.filter(**lookup).first()

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        """False when re-importing a row would change nothing (so nothing is written or logged)."""
        for column in self.columns:
            if column.field not in values or column.get is not None:
                continue
            current = getattr(existing, column.field, None)
            if hasattr(current, "pk"):
                current = current.pk
                new = getattr(values[column.field], "pk", values[column.field])
            else:
                new = values[column.field]
            if isinstance(current, float) and isinstance(new, float):
                if abs(current - new) > 1e-9:
                    return True
            elif (current or None) != (new or None) and current != new:
                return True
        return False

    def import_permission(self) -> str:
        """The permission that lets a user import this ledger somewhere (`<app>.import_<model>`)."""
        return perm_name(self.model, "import")

    def import_file(self, data: bytes, filename: str) -> ImportResult:
        # Before a byte is parsed: a role that may not import learns nothing from a file
        # (not even whether a row would be "unchanged") and costs the server nothing.
        if not has_perm_somewhere(self.user, self.import_permission()):
            raise PermissionDenied(_("You may not import this ledger."))
        result = ImportResult()
        try:
            header, records = read_table(data, filename)
        except FileError as exc:
            result.errors.append(RowError(row=exc.row, column=exc.column, message=str(exc)))
            return result
        except CellError as exc:
            result.errors.append(RowError(row=1, column="", message=str(exc)))
            return result
        mapping, missing = self._map_headers(header)
        for column in missing:
            result.errors.append(RowError(row=1, column=str(column.header),
                                          message=_("This required column is missing.")))
        if result.errors:
            return result
        with transaction.atomic():
            for row_number, cells in records:
                self._import_row(row_number, cells, mapping, result)
            if result.errors:
                transaction.set_rollback(True)
                result.created = result.updated = result.unchanged = 0
        return result

    def _map_headers(self, header: list[str]) -> tuple[dict[int, Column], list[Column]]:
        mapping: dict[int, Column] = {}
        for index, name in enumerate(header):
            cleaned = name.replace("*", "").strip().lower()
            for column in self.columns:
                if cleaned in column.header_names():
                    mapping[index] = column
                    break
        present = {c.field for c in mapping.values()}
        missing = [c for c in self.columns if c.required and c.field not in present]
        return mapping, missing

    def _import_row(self, row_number: int, cells: list[str], mapping: dict[int, Column], result: ImportResult) -> None:
        values: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for index, column in mapping.items():
            # Control characters (NUL included, which PostgreSQL refuses) never reach a ledger.
            raw = clean_text(cells[index]).strip() if index < len(cells) else ""
            if raw == "":
                if column.required:
                    row_errors.append(RowError(row_number, str(column.header), _("This field is required.")))
                values[column.field] = None if column.choices is None else ""
                continue
            try:
                values[column.field] = column.parse(raw)  # type: ignore[misc]
            except CellError as exc:
                row_errors.append(RowError(row_number, str(column.header), str(exc)))
        if row_errors:
            result.errors.extend(row_errors)
            return
        by_field = {c.field: str(c.header) for c in self.columns}
        try:
            with transaction.atomic():
                existing = self.find_existing(values)
                if existing is not None and hasattr(type(existing), "scope_path"):
                    # The right to change the row is checked before saying anything about it.
                    ensure(self.user, "change", existing)
                    self._keep_masked_values(existing, values)
                if existing is not None and not self.has_changes(existing, values):
                    result.unchanged += 1
                    return
                self.save_row(values, existing)
        except (PermissionDenied, Http404):
            result.errors.append(RowError(row_number, "", _(
                "You are not allowed to create or change this row in that jurisdiction.")))
            return
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for name, texts in messages.items():
                for message in texts:
                    result.errors.append(RowError(row_number, by_field.get(name, ""), message))
            return
        if existing is None:
            result.created += 1
        else:
            result.updated += 1


    def _keep_masked_values(self, existing: Any, values: dict[str, Any]) -> None:
        """For a user who sees a row's phones and ID numbers masked, a personal value whose
        mask matches the stored one's (their own export read back, or any guess of the same
        shape) keeps the stored value: the import neither overwrites it with asterisks nor
        tells whether the guess was right."""
        if not hasattr(type(existing), "scope_path") or self.viewer.may_see(object_path(existing)):
            return
        for column in self.columns:
            kind = personal_kind(self.model, column.field)
            if kind is None or column.field not in values or column.get is not None:
                continue
            current = getattr(existing, column.field, None)
            if isinstance(values[column.field], str) and mask(kind, values[column.field]) == mask(kind, current):
                values[column.field] = current


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row number, cells as text) of the first sheet of .xlsx or a .csv file.

    Streams the rows and stops at the first broken limit (`LIMITS`), naming its row and
    column: the size of the upload, of the unzipped workbook, the rows, the columns of a
    row and the characters of a cell. The sheet's declared dimensions are ignored (rows are
    as wide as their cells), so a file cannot make the server build cells it does not hold.
    """
    if len(data) > limit("bytes"):
        raise FileError(_("The file is larger than %(n)s MB.") % {"n": limit("bytes") // (1024 * 1024)})
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                content = data.decode("gb18030")  # what Excel on a Chinese Windows saves
            except UnicodeDecodeError as exc:
                raise CellError(_("The CSV file is neither UTF-8 nor GB18030 text.")) from exc
        try:
            return _bounded(csv.reader(io.StringIO(content.replace("\x00", ""))))
        except csv.Error as exc:
            raise CellError(_("The CSV file cannot be read as comma-separated values.")) from exc
    if name.endswith((".xlsx", ".xlsm")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError) as exc:
            raise CellError(_("The file is not a readable Excel workbook.")) from exc
        if unzipped > limit("unzipped_bytes"):
            raise FileError(_("The workbook unpacks to more than %(n)s MB.") % {
                "n": limit("unzipped_bytes") // (1024 * 1024)})
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the declared size is the file's word, not its content
            return _bounded([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        except CellError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise CellError(_("The file is not a readable Excel workbook.")) from exc
    raise CellError(_("Upload an .xlsx or .csv file."))


def _bounded(rows: Iterable[list[str]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    max_rows, max_columns, max_chars = limit("rows"), limit("columns"), limit("cell_chars")
    for number, row in enumerate(rows, start=1):
        if number > max_rows + 1:
            raise FileError(_("At most %(n)s rows per file.") % {"n": max_rows}, row=number)
        while row and not str(row[-1]).strip():
            row = row[:-1]  # trailing empty cells are not columns
        if len(row) > max_columns:
            raise FileError(_("At most %(n)s columns.") % {"n": max_columns}, row=number,
                            column=get_column_letter(max_columns + 1))
        for index, cell in enumerate(row):
            if len(cell) > max_chars:
                raise FileError(_("At most %(n)s characters.") % {"n": max_chars}, row=number,
                                column=str(header[index]) if header and index < len(header) and header[index]
                                else get_column_letter(index + 1))
        if header is None:
            header = [str(h or "").strip() for h in row]
        elif any(str(c).strip() for c in row):
            records.append((number, list(row)))
    if header is None:
        raise CellError(_("The file is empty."))
    return header, records


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

