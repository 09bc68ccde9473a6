"""The van's route through the simulated town and the GPS track a receiver in it would log.

Why a serpentine: a drive-by crew covers a grid town street by street, turning at the end of
each street into the next one, so every house is passed once at walking-pace distance and the
neighbouring streets are heard from behind the houses. The route is a polyline in grid metres;
the van moves along it at a constant speed, so its position at any instant is a linear
interpolation — which is what lets the radio model ask "where was the van when meter X sent"
for half a million transmissions at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulators.town.layout import HOUSE_SPACING_M, HOUSES_PER_STREET, STREET_SPACING_M, to_latlon

STREET_OVERRUN_M = 30.0  # the van drives a little past the last house before turning
KMH = 3.6


@dataclass(frozen=True)
class Route:
    """Waypoints (grid metres) and the drive time in seconds at which the van reaches each."""

    north_m: np.ndarray
    east_m: np.ndarray
    t_s: np.ndarray
    speed_kmh: float

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1])

    def position(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """North and east metres of the van at drive times `t_s` (clamped to the route)."""
        return np.interp(t_s, self.t_s, self.north_m), np.interp(t_s, self.t_s, self.east_m)

    def heading_deg(self, t_s: np.ndarray) -> np.ndarray:
        """Course over ground (0 = north, 90 = east) of the leg the van is on at `t_s`."""
        leg = np.clip(np.searchsorted(self.t_s, t_s, side="right") - 1, 0, len(self.t_s) - 2)
        dn = self.north_m[leg + 1] - self.north_m[leg]
        de = self.east_m[leg + 1] - self.east_m[leg]
        return np.mod(np.degrees(np.arctan2(de, dn)), 360.0)


def serpentine(n_houses: int, speed_kmh: float) -> Route:
    """Every street of an `n_houses` town, alternately east- and westbound, joined at the ends."""
    if speed_kmh <= 0:
        raise ValueError(f"speed must be positive, got {speed_kmh} km/h")
    streets = max(1, -(-n_houses // HOUSES_PER_STREET))
    length = (HOUSES_PER_STREET // 2 - 1) * HOUSE_SPACING_M * 2
    west, east = -STREET_OVERRUN_M, length + STREET_OVERRUN_M
    north: list[float] = []
    eastings: list[float] = []
    for k in range(streets):
        y = k * STREET_SPACING_M
        a, b = (west, east) if k % 2 == 0 else (east, west)
        north += [y, y]
        eastings += [a, b]
    n, e = np.array(north), np.array(eastings)
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(n), np.diff(e)))])
    return Route(n, e, dist / (speed_kmh / KMH), speed_kmh)


@dataclass(frozen=True)
class Track:
    """A 1 Hz GPS log: drive seconds, position with receiver noise, speed and course."""

    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed_kmh: np.ndarray
    course_deg: np.ndarray


def gps_track(route: Route, rng: np.random.Generator, noise_m: float = 2.0) -> Track:
    """What a consumer GPS in the van logs once a second (a few metres of noise)."""
    t = np.arange(0.0, np.floor(route.duration_s) + 1.0)
    north, east = route.position(t)
    north = north + rng.normal(0.0, noise_m, len(t))
    east = east + rng.normal(0.0, noise_m, len(t))
    lat, lon = to_latlon(north, east)
    return Track(t, lat, lon, np.full(len(t), route.speed_kmh), route.heading_deg(t))
