"""Street grid of the simulated town: addresses and coordinates of each house.

Kept apart from `town.py` so the geography (which only the radio/drive-by side needs) can change
without touching the billing tables. Pure numpy: a 10,000-house town is laid out in milliseconds.
"""

from __future__ import annotations

import numpy as np

# Common Polish street names; a town larger than the list gets numbered variants ("Lipowa 2").
STREETS = (
    "Polna", "Lipowa", "Leśna", "Ogrodowa", "Słoneczna", "Kwiatowa", "Szkolna", "Kościelna", "Krótka",
    "Długa", "Łąkowa", "Brzozowa", "Parkowa", "Sportowa", "Klonowa", "Akacjowa", "Wiejska", "Młyńska",
    "Zielona", "Spacerowa", "Różana", "Jasna", "Cicha", "Graniczna", "Kolejowa", "Wodna", "Dębowa",
    "Sosnowa", "Jaśminowa", "Wiśniowa", "Ogrodników", "Rolnicza", "Pocztowa", "Rynek", "Mickiewicza",
    "Słowackiego", "Kopernika", "Reymonta", "Chopina", "Konopnickiej",
)
HOUSES_PER_STREET = 40
ORIGIN_LAT = 50.1050  # a small town in Upper Silesia; only the spacing matters
ORIGIN_LON = 18.9870
HOUSE_SPACING_M = 25.0
STREET_SPACING_M = 120.0
M_PER_DEG_LAT = 111_320.0


def street_names(count: int) -> list[str]:
    """`count` distinct street names, numbered once the list of real names runs out."""
    out: list[str] = []
    for i in range(count):
        base = STREETS[i % len(STREETS)]
        lap = i // len(STREETS)
        out.append(base if lap == 0 else f"{base} {lap + 1}")
    return out


def layout(n_houses: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Addresses, latitudes and longitudes of `n_houses` houses on a square grid of streets.

    Street k runs east-west at row k; houses alternate sides (odd/even numbers) as in Poland.
    A few metres of jitter keep the points from looking machine-made on a map.
    """
    idx = np.arange(n_houses)
    street = idx // HOUSES_PER_STREET
    pos = idx % HOUSES_PER_STREET
    names = np.array(street_names(int(street.max()) + 1 if n_houses else 0), dtype=object)
    number = pos + 1
    address = (("ul. " + names[street]) + " " + number.astype(str) + ", Miasteczko") if n_houses else \
        np.array([], dtype=object)
    north_m = street * STREET_SPACING_M + np.where(pos % 2 == 0, -8.0, 8.0) + rng.normal(0, 2.0, n_houses)
    east_m = (pos // 2) * HOUSE_SPACING_M * 2 + rng.normal(0, 2.0, n_houses)
    lat, lon = to_latlon(north_m, east_m)
    return np.asarray(address, dtype=object), lat, lon


def to_latlon(north_m: np.ndarray, east_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid metres to WGS-84 degrees (flat-earth; the town is a few km across)."""
    lat = ORIGIN_LAT + north_m / M_PER_DEG_LAT
    lon = ORIGIN_LON + east_m / (M_PER_DEG_LAT * np.cos(np.radians(ORIGIN_LAT)))
    return lat, lon


def to_metres(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of `to_latlon`: north and east metres from the grid origin."""
    north = (np.asarray(lat) - ORIGIN_LAT) * M_PER_DEG_LAT
    east = (np.asarray(lon) - ORIGIN_LON) * (M_PER_DEG_LAT * np.cos(np.radians(ORIGIN_LAT)))
    return north, east
