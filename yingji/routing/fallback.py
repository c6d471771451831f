"""Straight-line travel-time estimates for when there is no road network.

A district that has not imported its roads yet (or an incident reported far
outside the imported area) still needs an answer to "which team is nearest".
:class:`StraightLine` gives one from the great-circle distance stretched by a
detour factor and divided by a typical speed.  Every answer built from it is
marked ``estimated=True`` so the dispatch console can say "about".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .geo import haversine_m


@dataclass(frozen=True)
class StraightLine:
    """Travel time ≈ haversine distance × ``detour`` ÷ ``speed_kmh``.

    The default detour of 1.4 is the usual ratio of road to crow-fly distance in
    dense grid cities; 30 km/h is a typical urban emergency-vehicle average.
    """

    speed_kmh: float = 30.0
    detour: float = 1.4

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.detour < 1:
            raise ValueError("speed must be positive and detour at least 1")

    @property
    def metres_per_second(self) -> float:
        """Crow-fly metres covered per second (speed divided by the detour)."""
        return self.speed_kmh / 3.6 / self.detour

    def seconds(
        self, lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
    ) -> NDArray[np.float64]:
        """Estimated seconds between points (broadcasts like :func:`haversine_m`)."""
        return haversine_m(lon1, lat1, lon2, lat2) / self.metres_per_second

    def radius_m(self, seconds: float) -> float:
        """Crow-fly radius reachable within ``seconds``."""
        return seconds * self.metres_per_second
