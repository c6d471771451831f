"""Loading what dispatch keeps in memory before a server process takes its first request.

Each application process holds the road network, the team index (10,000 teams
snapped to it), the jurisdiction locator and the robot targets' index. Built lazily,
the first ranking or intake a process serves would wait a second or more for
them; `warm_up()` builds them at start. The entry points `yingji.incidents.wsgi`
and `yingji.incidents.asgi` call it when a server worker imports them.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connections

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Build the per-process indexes now; answers the seconds it took. Never raises.

    Runs on a thread of its own: an ASGI server imports the application inside
    its event loop, where Django refuses database queries.
    """
    started = time.perf_counter()
    thread = threading.Thread(target=_build, name="yingji-warm-up")
    thread.start()
    thread.join()
    return time.perf_counter() - started


def _build() -> None:
    from yingji.core import travel
    from yingji.incidents.services.ranking import team_index
    from yingji.jurisdictions import locate
    from yingji.messaging.robots import target_index

    try:
        travel.engine()
        team_index.refresh()
        locate.locate(0.0, 0.0)
        target_index.codes_with_targets()
    except Exception:  # a server must start even when the database is not there yet
        log.exception("warming the dispatch indexes failed; they will be built on first use")
    finally:
        connections.close_all()  # this thread's connection
