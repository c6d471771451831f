"""Photos of hazards, rectifications, patrol check-ins and inspections, kept through Django's storage API."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.scope import ScopedQuerySet


class PhotoStage(models.TextChoices):
    REPORT = "report", _("As reported")
    EVIDENCE = "evidence", _("Rectification evidence")
    RECHECK = "recheck", _("Recheck")
    PATROL = "patrol", _("Patrol check-in")
    INSPECTION = "inspection", _("Inspection")


class Photo(models.Model):
    """A photo taken at a hazard, a patrol point or an inspection, with its thumbnail.

    The bytes are re-encoded on upload (core/uploads.py: type checked, metadata
    such as GPS stripped) and stored through `default_storage`: the local media
    folder, or S3-compatible object storage when configured. Exactly one owner
    is set; the jurisdiction is the owner's, so photos follow the scope rule.
    """

    jurisdiction = models.ForeignKey("jurisdictions.Jurisdiction", verbose_name=_("jurisdiction"),
                                     on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=12, choices=PhotoStage.choices)
    hazard = models.ForeignKey("hazards.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="photos")
    check_in = models.ForeignKey("hazards.CheckIn", verbose_name=_("check-in"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="photos")
    inspection = models.ForeignKey("hazards.Inspection", verbose_name=_("inspection"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to="hazards/%Y/%m/", max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to="hazards/%Y/%m/thumbs/", max_length=200)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "jurisdiction__path"

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(hazard__isnull=False, check_in__isnull=True, inspection__isnull=True)
                           | models.Q(hazard__isnull=True, check_in__isnull=False, inspection__isnull=True)
                           | models.Q(hazard__isnull=True, check_in__isnull=True, inspection__isnull=False)),
                name="photo_has_one_owner"),
        ]

    def __str__(self) -> str:
        return self.file.name
