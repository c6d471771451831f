"""A one-sheet .xlsx written row by row and sent while it is written (every ledger export).

openpyxl builds a cell object per value and zips the workbook only when it is saved: a
district's stock ledger (tens of thousands of lots) took seconds before its first byte left.
Here the sheet's XML is written straight into a zip archive whose compressed bytes are handed
out as they accumulate (`stream`), so the server holds one chunk, not the workbook, and the
browser sees the download start at once.

What goes into a cell: text as an inline string (never a formula: a text cell has no formula
element, so "=HYPERLINK(…)" stays text), int/float as a number, date/datetime/time as Excel
serial numbers with a date format (openpyxl and Excel read them back as dates). The caller
(core.tabular) has already cleaned control characters and masked personal data.

Used by `core.tabular.TableSpec.stream_xlsx` (and its `to_xlsx`), and through `stream_sheets` by
reports of several plain sheets as long as a ledger (training days per member); report workbooks with
styled sheets (charts, merged cells) stay on openpyxl (`core.tabular.write_sheet`).
"""

from __future__ import annotations

import datetime
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl.utils import get_column_letter

# Flush the compressed bytes to the client about every 64 KiB of output.
CHUNK_BYTES = 64 * 1024
_EPOCH = datetime.datetime(1899, 12, 30)
# Style ids of styles.xml below: 1 header, 2 header of a required column, 3 date, 4 date-time, 5 time.
HEADER, HEADER_REQUIRED, DATE, DATETIME, TIME = 1, 2, 3, 4, 5

def _content_types(sheets: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for n in range(1, sheets + 1))
        + '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>')


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
def _workbook_rels(sheets: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, sheets + 1))
        + f'<Relationship Id="rId{sheets + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>')


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/><numFmt numFmtId="166" formatCode="h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00FCE4D6"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


# Characters an .xlsx cannot hold (a file with one is refused whole): C0 controls other than
# tab, newline and carriage return, lone surrogates and the two non-characters U+FFFE/U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: Any) -> Any:
    """Text as it may go into a cell: control characters dropped (a name with one made the
    whole export fail for everyone whose scope held the row). Imports clean with it too."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class _Sink:
    """A write-only file for zipfile (not seekable: entries carry data descriptors) whose
    bytes are taken out as they come."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return out


def _escape(text: str) -> str:
    text = _CONTROL.sub("", text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_escape(text)}</t></is></c>'


def _cell(ref: str, value: Any) -> str:
    """One cell's XML; empty text and None write nothing (an empty cell)."""
    kind = type(value)
    if kind is str:
        return _text_cell(ref, value) if value else ""
    if kind is int or kind is float:
        if kind is float:
            if not math.isfinite(value):
                return _text_cell(ref, str(value))
            if value.is_integer() and abs(value) < 1e15:
                value = int(value)  # 0.0 reads back as 0, as openpyxl wrote it
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if value is None:
        return ""
    if isinstance(value, bool):
        return _text_cell(ref, str(value))
    if isinstance(value, datetime.datetime):
        serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{DATE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, datetime.time):
        serial = (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
        return f'<c r="{ref}" s="{TIME}"><v>{serial!r}</v></c>'
    if isinstance(value, int | float):
        return _cell(ref, float(value) if isinstance(value, float) else int(value))
    return _text_cell(ref, str(value))


Sheet = tuple[str, list[tuple[str, bool]], list[int], Iterable[list[Any]]]  # title, header, widths, rows


def stream(title: str, header: list[tuple[str, bool]], widths: list[int],
           rows: Iterable[list[Any]], *, compresslevel: int = 6) -> Iterator[bytes]:
    """The .xlsx file in pieces: one sheet named `title`, a frozen bold `header` row ((text,
    required) per column: a required column's header is orange, the others blue), column
    `widths`, then `rows`. Rows are written as they are drawn from the iterable."""
    return stream_sheets([(title, header, widths, rows)], compresslevel=compresslevel)


def stream_sheets(sheets: list[Sheet], *, compresslevel: int = 6) -> Iterator[bytes]:
    """The .xlsx file of several sheets in pieces (a report of figures: training days, coverage, months
    missed), each as `stream` writes its one; a sheet's rows are drawn only when the sheets before it
    are written."""
    sink = _Sink()
    names = _unique([_sheet_name(title) for title, _header, _widths, _rows in sheets])
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        listed = "".join(f'<sheet name="{_escape(name).replace(chr(34), "&quot;")}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(names, start=1))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets>{listed}</sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", _STYLES)
        for n, (_title, header, widths, rows) in enumerate(sheets, start=1):
            yield from _write_sheet(archive, sink, f"xl/worksheets/sheet{n}.xml", header, widths, rows)
    yield sink.take()


def _write_sheet(archive: zipfile.ZipFile, sink: _Sink, name: str, header: list[tuple[str, bool]],
                 widths: list[int], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    letters = [get_column_letter(i) for i in range(1, max(len(header), len(widths), 1) + 1)]
    with archive.open(name, "w") as sheet:
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        head = "".join(_text_cell(f"{letters[i]}1", text, HEADER_REQUIRED if required else HEADER)
                       for i, (text, required) in enumerate(header))
        sheet.write((
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
            f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData><row r="1">{head}</row>').encode())
        yield sink.take()
        buffer: list[str] = []
        size = 0
        for number, row in enumerate(rows, start=2):
            while len(letters) < len(row):
                letters.append(get_column_letter(len(letters) + 1))
            line = f'<row r="{number}">' + "".join(
                [_cell(f"{letters[i]}{number}", value) for i, value in enumerate(row)]) + "</row>"
            buffer.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                sheet.write("".join(buffer).encode())
                buffer.clear()
                size = 0
                if sink.size:
                    yield sink.take()
        sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())


def _unique(names: list[str]) -> list[str]:
    """Sheet names as Excel requires them: no two the same, whatever the case (a number appended)."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name[:31 - len(str(n)) - 1]} {n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _sheet_name(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()[:31]
    return cleaned or "sheet"
