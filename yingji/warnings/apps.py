from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    # The label is the stdlib module's name too; nothing resolves an app label as a module, and
    # `import warnings` inside the package is absolute (the stdlib's), so they do not meet.
    label = "warnings"
    verbose_name = _("Early warnings")
    nav_items = [("warnings:list", _("Early warnings"))]
