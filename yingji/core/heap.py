"""A serving process's heap after start: moved out of the garbage collector's full passes.

A full (generation 2) collection walks every object the process tracks: the
modules, models, URL map and templates Django loads at start are most of
them, and walking them cost a request that triggered it about 170 ms of CPU
on the 2-core machine of docs/performance.md (the release progress page's p99
was 230 ms against a p50 of 66 ms). `settle` collects once and freezes what
survives (`gc.freeze`, Python ≥ 3.7) so later full passes walk only what
requests allocated since; nothing is freed that would have been (frozen
objects live as long as the process anyway). wsgi.py and asgi.py call it once
the application is loaded; the benches call it where a server would have.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then freeze everything alive now; answers how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
