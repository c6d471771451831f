"""HTTP responses for downloaded files (Excel exports and templates)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes | Iterable[bytes], stem: str) -> HttpResponse | StreamingHttpResponse:
    """An .xlsx download whose file name (possibly Chinese) survives every browser.

    `content` is the whole file, or its pieces as a ledger export writes them
    (`TableSpec.stream_xlsx`): those are sent as they come, so a large ledger starts
    downloading at once and is never held whole in the server's memory."""
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=XLSX)
    else:
        response = StreamingHttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
