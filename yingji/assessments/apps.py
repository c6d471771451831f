from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "yingji.assessments"
    label = "assessments"
    verbose_name = _("Assessments")
    nav_items = [("assessments:index", _("Assessments")), ("assessments:quality", _("Ledger quality"))]
