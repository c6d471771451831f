"""A serving process settles its heap once loaded (core/heap.py): what it loaded at start leaves the
garbage collector's full passes, so a request that triggers one does not pay for walking it."""

from __future__ import annotations

import gc
import importlib


def test_settle_freezes_what_is_alive_and_the_entry_points_call_it():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    import yingji.wsgi

    importlib.reload(yingji.wsgi)  # as a server process loads it
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Django and the apps, loaded
    assert "settle()" in open(yingji.wsgi.__file__, encoding="utf-8").read()
    import yingji.asgi

    assert "settle()" in open(yingji.asgi.__file__, encoding="utf-8").read()
    gc.unfreeze()
