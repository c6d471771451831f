from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    # The label is the stdlib module's name too; nothing resolves an app label as a module, and
    # `import warnings` inside the package is absolute (the stdlib's), so they do not meet.
    label = "warnings"
    verbose_name = _("Early warnings")
    nav_items = [("warnings:list", _("Early warnings"))]
    # The release progress page listens here (counts re-read through the scoped view).
    live_topics = {"warnings": "warnings.view_earlywarning"}

    def ready(self) -> None:
        from yingji.messaging.signals import acknowledged, progressed

        acknowledged.connect(_on_acknowledged, dispatch_uid="warnings.acknowledged")
        progressed.connect(_on_progressed, dispatch_uid="warnings.progressed")


def _on_acknowledged(sender: Any, message: Any, user: Any, at: Any, **kwargs: Any) -> None:
    from yingji.warnings import release

    release.acknowledged(message, user, at)


def _on_progressed(sender: Any, message_ids: list[int], delivery_ids: list[int] | None = None,
                   **kwargs: Any) -> None:
    from yingji.warnings import progress, release

    progress.record(message_ids, delivery_ids)
    release.progressed(message_ids)
