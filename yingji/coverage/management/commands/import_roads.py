"""`yingji import_roads extract.osm.pbf`: import an OpenStreetMap extract as the road network.

Reads the drivable roads with the engine (yingji/routing/osm.py), keeps the
largest strongly connected part, times every segment under a speed profile,
writes the .npz where the engine reads it (settings.YINGJI_ROAD_NETWORK, or
--out) and records it; running servers pick it up on their next request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yingji.coverage.services.networks import import_osm
from yingji.routing.speeds import PROFILES


class Command(BaseCommand):
    help = "Import the drivable roads of an OpenStreetMap .osm.pbf extract as the travel-time network."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("pbf", help="the .osm.pbf extract")
        parser.add_argument("--out", help="where to write the network (default: settings.YINGJI_ROAD_NETWORK)")
        parser.add_argument("--profile", choices=sorted(PROFILES), default="emergency",
                            help="speeds: emergency vehicles (default) or ordinary traffic")
        parser.add_argument("--name", help="name shown on the coverage page (default: the file name)")
        parser.add_argument("--bbox", nargs=4, type=float, metavar=("MIN_LON", "MIN_LAT", "MAX_LON", "MAX_LAT"),
                            help="import only this box")

    def handle(self, *args: Any, pbf: str, out: str | None, profile: str, name: str | None,
               bbox: list[float] | None, **options: Any) -> None:
        try:
            record = import_osm(pbf, out=out, profile=profile, name=name, bbox=bbox)
        except ValidationError as exc:
            raise CommandError(" ".join(m for texts in exc.message_dict.values() for m in texts)) from exc
        self.stdout.write(f"{record.name}: {record.node_count} junctions, {record.edge_count} road segments, "
                          f"profile {record.profile}, {record.seconds:.1f} s -> {record.path}")
