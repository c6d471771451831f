"""No msgid is translated two ways in two catalogues (issue 13).

Django merges every app's catalogue into one per language (the project catalogue over the
apps', an earlier app's over a later one's), so when two catalogues translate the same
msgid (and context) differently, one of them silently shows the other's words — 解除 where
取消 was meant, 名称 where 姓名 was. Where the meanings truly differ the source gives the
message a context (pgettext); otherwise the catalogues agree.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def translations() -> dict[tuple[str | None, str], dict[str, str]]:
    """(context, msgid) -> {catalogue: its msgstr} over every catalogue of the project."""
    seen: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for path in CATALOGUES:
        name = str(path.relative_to(ROOT).parent.parent.parent.parent) or "yingji"
        for entry in polib.pofile(str(path)):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            text = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
            if text:
                seen[(entry.msgctxt, entry.msgid)][name] = text
    return seen


def test_every_catalogue_is_read():
    names = {str(p.relative_to(ROOT)) for p in CATALOGUES}
    assert len(CATALOGUES) >= 10
    assert {"incidents/locale/zh_Hans/LC_MESSAGES/django.po", "warnings/locale/zh_Hans/LC_MESSAGES/django.po",
            "locale/zh_Hans/LC_MESSAGES/django.po"} <= names


def test_the_same_message_reads_the_same_in_every_catalogue():
    clashes = [f"{ctx + ' | ' if ctx else ''}{msgid!r}: " + ", ".join(f"{app} {text!r}" for app, text in sorted(per.items()))
               for (ctx, msgid), per in sorted(translations().items(), key=lambda item: (item[0][0] or "", item[0][1]))
               if len(set(per.values())) > 1]
    assert not clashes, "translated differently in different catalogues (agree, or give a context):\n" + "\n".join(
        clashes)


def test_the_check_finds_a_clash(tmp_path, monkeypatch):
    for app, text in (("a", "取消"), ("b", "解除")):
        folder = tmp_path / app / "locale" / "zh_Hans" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.po").write_text(f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                          f'msgid "Cancel"\nmsgstr "{text}"\n', encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "CATALOGUES",
                        sorted(tmp_path.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")))
    assert translations()[(None, "Cancel")] == {"a": "取消", "b": "解除"}
