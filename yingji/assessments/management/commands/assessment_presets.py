"""`yingji assessment_presets [district code]`: load the Futian and Pingshan schemes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yingji.assessments.presets import load_presets
from yingji.jurisdictions.models import Jurisdiction, Level


class Command(BaseCommand):
    help = "Load the Futian and Pingshan assessment schemes under a district (the first one by default)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("district", nargs="?", help="the district's code")

    def handle(self, *args: Any, **options: Any) -> None:
        districts = Jurisdiction.objects.filter(level=Level.DISTRICT)
        if options["district"]:
            districts = districts.filter(code=options["district"])
        district = districts.order_by("path").first()
        if district is None:
            raise CommandError("No such district.")
        for scheme in load_presets(district):
            self.stdout.write(f"{scheme.code}: {scheme.name}")
