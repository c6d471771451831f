"""ASGI entry point with the dispatch indexes warmed when a worker starts (see warm.py).

    uvicorn yingji.incidents.asgi:application --workers 4 --port 8000

Serves exactly what `yingji.asgi:application` serves (HTTP and websockets).
"""

from yingji.asgi import application
from yingji.incidents.warm import warm_up

warm_up()

__all__ = ["application"]
