"""Compile a .po catalogue to .mo without GNU gettext (set-up runs on bare machines).

    python -m yingji.core.i18n_compile django.po django.mo
"""

from __future__ import annotations

import sys

import polib


def main(argv: list[str]) -> None:
    source, target = argv
    catalogue = polib.pofile(source)
    catalogue.save_as_mofile(target)
    print(f"{target}: {len(catalogue.translated_entries())} translated, {len(catalogue.untranslated_entries())} untranslated")


if __name__ == "__main__":
    main(sys.argv[1:])
