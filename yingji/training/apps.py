from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "yingji.training"
    label = "training"
    verbose_name = _("Training")
    nav_items = [("training:index", _("Training")), ("training:quizzes", _("Quizzes"))]
