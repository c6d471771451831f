"""HTTP responses for downloaded files (Excel exports and templates)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, stem: str) -> HttpResponse:
    """An .xlsx download whose file name (possibly Chinese) survives every browser."""
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
