"""WSGI entry point with the dispatch indexes warmed when a worker starts (see warm.py).

    gunicorn yingji.incidents.wsgi:application --workers 6 --bind 127.0.0.1:8000

Serves exactly what `yingji.wsgi:application` serves.
"""

from yingji.incidents.warm import warm_up
from yingji.wsgi import application

warm_up()

__all__ = ["application"]
