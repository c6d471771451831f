"""Websocket routes of the incidents app (collected by yingji/core/realtime.py)."""

from django.urls import path

from yingji.incidents.consumers import ConsoleConsumer, ResponderConsumer

websocket_urlpatterns = [
    path("ws/incidents/console/", ConsoleConsumer.as_asgi()),
    path("ws/incidents/me/", ResponderConsumer.as_asgi()),
]
