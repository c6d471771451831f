"""The generic websockets of core/consumers.py (collected with every app's routes by core/realtime.py)."""

from django.urls import path

from yingji.core.consumers import ConsoleConsumer, PersonalConsumer

websocket_urlpatterns = [
    path("ws/live/", ConsoleConsumer.as_asgi()),
    path("ws/me/", PersonalConsumer.as_asgi()),
]
