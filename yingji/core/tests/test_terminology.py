"""The Chinese screens use the words a Chinese emergency bureau uses (docs/glossary.md).

The catalogues are read as Django reads them (the project catalogue over the apps',
an earlier app's over a later one's), so a term fixed in one catalogue but shadowed
by another still fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))

# (context, English, the Chinese a bureau uses) — the terms reviewed in issue 13.
REQUIRED = [
    ("allocation", "Received", "已签收"),
    ("allocation", "Dispatched", "已发出"),
    ("allocation quantity", "Received", "实收数量"),
    ("allocation quantity", "Dispatched", "实发数量"),
    (None, "Requested for", "申请单位"),
    (None, "requested for", "申请单位"),
    ("incident status", "Open", "未结案"),
    ("person", "Name", "姓名"),
    ("person", "name", "姓名"),
    (None, "Hours", "开放时间"),
    (None, "received at", "接报时间"),
    ("material", "fire extinguisher", "灭火器"),
    ("material", "chainsaw", "油锯"),
    ("incident status", "Closed", "已结案"),
    ("stock movement", "Receipt", "入库"),
    ("station", "Closed", "停用"),
    (None, "Micro fire station", "微型消防站"),
    (None, "Grid worker", "网格员"),
    (None, "Grid worker report", "网格员上报"),
    # Issue 11: one term for calling the nearest teams; 启动 is for plans and response levels (启动预案).
    (None, "One-click activation", "一键调派"),
]

# A translation must never read like this for that English (the mistakes seen in issue 13).
FORBIDDEN = [
    ("allocation", "Received", "接报"),
    ("allocation", "Dispatched", "调派"),
    (None, "Requested for", "用途"),
    (None, "Hours", "学时"),
    (None, "One-click activation", "一键启动"),
]

# Latin words a Chinese screen may show: names of formats, standards and products, and
# what the user must type literally. Anything else in a msgstr is English left behind.
ALLOWED_LATIN = {
    "Excel", "CSV", "xlsx", "csv", "GeoJSON", "JSON", "WGS", "Polygon", "MultiPolygon", "FeatureCollection",
    "code", "OpenStreetMap", "ODbL", "YINGJI", "ROAD", "ROADS", "NETWORK", "JUNCTIONS", "COVERAGE", "PERCENT",
    "yingji", "import-roads", "worker", "serve", "make", "demo", "from", "YYYY-MM", "YYYY-MM-DD", "true", "false",
    "http", "HTTP", "UTF-", "JPEG", "WebP", "HEIC", "English", "Webhook", "HMAC-SHA", "Push", "VAPID", "base",
    "Authorization", "Bearer", "DOCTYPE", "alert", "Atom", "OASIS", "docs", "warnings", "import", "command", "task",
    "Unix", "MQTT", "Word", "docx",
}


def _entries():
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete:
                yield path.relative_to(ROOT), entry


def _effective(context: str | None, msgid: str) -> str:
    with translation.override("zh-hans"):
        return pgettext(context, msgid) if context else gettext(msgid)


@pytest.mark.parametrize(("context", "msgid", "chinese"), REQUIRED)
def test_it_shows_the_bureau_term(context: str | None, msgid: str, chinese: str) -> None:
    assert _effective(context, msgid) == chinese


@pytest.mark.parametrize(("context", "msgid", "wrong"), FORBIDDEN)
def test_it_never_shows_the_wrong_term(context: str | None, msgid: str, wrong: str) -> None:
    found = [(str(path), e.msgstr) for path, e in _entries()
             if e.msgctxt == context and e.msgid == msgid and wrong in e.msgstr]
    assert not found
    assert wrong not in _effective(context, msgid)


def test_it_leaves_no_english_in_the_chinese_catalogues() -> None:
    placeholders = re.compile(r"%\([a-z_]+\)[sd]|\{[^}]*\}|<[^>]*>|https?://\S+|[A-Z]{2,}[_A-Z]*")
    leftovers = []
    for path, entry in _entries():
        texts = [entry.msgstr, *(entry.msgstr_plural or {}).values()]
        for text in texts:
            words = set(re.findall(r"[A-Za-z][A-Za-z-]{3,}", placeholders.sub("", text)))
            if words - ALLOWED_LATIN:
                leftovers.append((str(path), entry.msgid, sorted(words - ALLOWED_LATIN)))
    assert not leftovers


def test_it_translates_everything() -> None:
    missing = [(str(path), entry.msgctxt, entry.msgid) for path, entry in _entries()
               if entry.msgid and (not entry.translated() or "fuzzy" in entry.flags)]
    assert not missing


# Catalogues the screens work (issue 13) keeps; the other apps' are checked by their owners.
OWNED = {"accounts", "audit", "coverage", "jurisdictions", "resources", "supplies", "locale"}


def test_it_is_not_shadowed_by_another_catalogue() -> None:
    """A msgid translated one way here and another way elsewhere shows only one of them
    everywhere: give one of the two a context instead."""
    shadowed = []
    for path, entry in _entries():
        if path.parts[0] not in OWNED or not entry.msgstr or entry.msgid_plural:
            continue
        shown = _effective(entry.msgctxt, entry.msgid)
        if shown != entry.msgstr:
            shadowed.append((str(path), entry.msgctxt, entry.msgid, entry.msgstr, shown))
    assert not shadowed
