"""Loading what dispatch keeps in memory before a server process takes its first request.

Each application process holds the road network, the team index (10,000 teams
snapped to it), the jurisdiction locator and the webhook index. Built lazily,
the first ranking or intake a process serves would wait a second or more for
them; `warm_up()` builds them at start. The entry points `yingji.incidents.wsgi`
and `yingji.incidents.asgi` call it when a server worker imports them.
"""

from __future__ import annotations

import logging
import time

from django.db import connections

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Build the per-process indexes now; answers the seconds it took. Never raises."""
    from yingji.incidents import locate, travel
    from yingji.incidents.services.notify import webhook_index
    from yingji.incidents.services.ranking import team_index

    started = time.perf_counter()
    try:
        travel.engine()
        team_index.refresh()
        locate.locate(0.0, 0.0)
        webhook_index.codes_with_targets()
    except Exception:  # a server must start even when the database is not there yet
        log.exception("warming the dispatch indexes failed; they will be built on first use")
    finally:
        # The connection opened here belongs to start-up, not to the first request's thread.
        connections.close_all()
    return time.perf_counter() - started
