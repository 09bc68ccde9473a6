"""Simulated Polish water-utility town: the master data billing and the drive-by side load.

`build_town` draws everything from one `numpy.random.Generator(seed)` (never the clock), so the
same seed gives the same bytes. The mix follows a small Polish town: several radio families, about
15 % of houses with a garden submeter (some unregistered, unsealed or with expired legalisation), a
few temporary connections without any meter (billed by the norm), houses with an own well and an
intake meter, sewage meters, faulty meters and meters close to rollover.  Main, sewage and intake
meters are exchanged when their 5-year legalisation runs out (about a fifth of them in a simulated
year), apart from a few the utility has not reached yet.  Customer numbers are 6 digits (100001 …),
as invoice numbers and the customers' portal use them.

`write_town` writes exactly the files `ingest.billing_inputs` loads (customers, premises, contracts,
meters, readings, tariffs, abonaments) plus the radio side that billing does not need:
`radio.csv` (family, version, device type, location) and `keys.csv` (the `id,key` file
`amr decode --keys` reads). Keys stay out of the billing files because they are secrets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulators.encoder import FAMILIES
from simulators.town.layout import layout

# Radio family mix (share of meters); apator162 and IZAR dominate Polish drive-by fleets.
FAMILY_SHARES = {
    "apator162": 0.30, "izar": 0.20, "kamwater": 0.15, "kamwater-compact": 0.10,
    "oms-mode5": 0.15, "oms-mode7": 0.05, "oms-plain": 0.05,
}
SHARE_TEMPORARY = 0.02  # building sites etc.: contract without a meter, billed by the norm
SHARE_GARDEN = 0.15
SHARE_INTAKE = 0.03  # own well with an intake meter (counts for sewage)
SHARE_SEWAGE_METER = 0.02
SHARE_OVERDUE = 0.04  # utility meters past legalisation the utility has not exchanged yet (behind schedule)
SHARE_FAULTY = 0.005
SHARE_NEAR_ROLLOVER = 0.01
SHARE_SEWERED = 0.80
LEGALISATION_YEARS = 5  # cold-water meters in Poland (docs/billing-sources.md §5)
LEGALISATION_DAYS = LEGALISATION_YEARS * 365
UTILITY_ROLES = ("main", "sewage", "intake")  # exchanged by the utility when legalisation runs out
REGISTER_DIGITS = 5
NEAR_ROLLOVER_DIGITS = 4  # old 4-digit registers are the ones that actually roll over
TARIFF_GROUP = "MIASTECZKO"
PRICE_CHANGE = dt.date(2026, 7, 1)
NORM_CATEGORIES = (("T1-2", 0.03), ("T1-3", 0.07), ("T1-4", 0.70), ("T1-5", 0.20))
PERSONS = ((1, 0.15), (2, 0.28), (3, 0.22), (4, 0.20), (5, 0.10), (6, 0.05))
ROLE_ORDER = ("main", "garden", "sewage", "intake")


@dataclass
class Town:
    """Master data of the town. `meters` carries internal columns (prefixed `_`) the consumption
    model needs: house index, service window as day points, register at the start, history rate."""

    start: dt.date
    end: dt.date
    customers: pd.DataFrame
    premises: pd.DataFrame
    contracts: pd.DataFrame
    meters: pd.DataFrame
    tariffs: pd.DataFrame
    abonaments: pd.DataFrame

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _pick(rng: np.random.Generator, table: tuple[tuple[object, float], ...], n: int) -> np.ndarray:
    values = np.array([v for v, _ in table], dtype=object)
    p = np.array([w for _, w in table], dtype=float)
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


def _dates(start: dt.date, offsets: np.ndarray) -> np.ndarray:
    """Dates `start + offsets` days as datetime64[D] (vectorised; no Python date loop)."""
    return np.datetime64(start, "D") + offsets.astype("timedelta64[D]")


def _house_meter_counts(flags: dict[str, np.ndarray]) -> np.ndarray:
    counts = flags["garden"].astype(int)
    for role in UTILITY_ROLES:
        counts = counts + flags[role] + flags[f"replaced_{role}"]
    return counts


def _house_flags(rng: np.random.Generator, n: int, days: int) -> dict[str, np.ndarray]:
    """Which meters each house has, and the legalisation schedule of its utility meters.

    A utility exchanges a main, sewage or intake meter when its 5-year legalisation runs out, so the
    fleet's ages spread evenly over 5 years: the meter in place at the start is 30 days to 5 years
    old and is replaced inside the simulated days on the day after its legalisation ends
    (``replaced_<role>``, ``repl_k_<role>``: the point index the new meter starts).  A few meters
    (SHARE_OVERDUE) are 5-7 years old and left in place: the utility is behind schedule, and billing
    lists them as legalisation_expired.  Garden submeters belong to the customer (see _meters).
    """
    temporary = rng.random(n) < SHARE_TEMPORARY
    metered = ~temporary
    sewered = rng.random(n) < SHARE_SEWERED
    flags = {
        "temporary": temporary,
        "sewered": sewered,
        "main": metered,
        "garden": metered & (rng.random(n) < SHARE_GARDEN),
        "intake": metered & (rng.random(n) < SHARE_INTAKE / SHARE_SEWERED) & sewered,
        "sewage": metered & sewered & (rng.random(n) < SHARE_SEWAGE_METER / SHARE_SEWERED),
    }
    for role in UTILITY_ROLES:
        overdue = rng.random(n) < SHARE_OVERDUE
        age = np.where(overdue, rng.integers(LEGALISATION_DAYS + 1, 7 * 365, n), rng.integers(30, LEGALISATION_DAYS, n))
        repl_k = LEGALISATION_DAYS - age  # legalised through day repl_k - 1 (the removal date); new from repl_k
        flags[f"age_{role}"] = age
        flags[f"repl_k_{role}"] = repl_k
        flags[f"replaced_{role}"] = flags[role] & ~overdue & (repl_k >= 1) & (repl_k <= days - 1)
    return flags


def _meter_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 8-digit printed ids; leading zeros kept (ids are text everywhere)."""
    ids = rng.choice(10**8, size=n, replace=False)
    return np.char.zfill(ids.astype(str), 8).astype(object)


def _meters(rng: np.random.Generator, flags: dict[str, np.ndarray], persons: np.ndarray, start: dt.date,
            days: int) -> pd.DataFrame:
    """One row per meter: role, service window, registers, legalisation, radio identity."""
    houses = np.arange(len(persons))
    parts = []
    for role in ("main", "garden", "sewage", "intake"):
        parts.append((houses[flags[role]], role, False))
        if role in UTILITY_ROLES:
            parts.append((houses[flags[f"replaced_{role}"]], role, True))  # the replacement meter
    house = np.concatenate([p[0] for p in parts])
    role = np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in parts])
    is_new = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    order = np.lexsort((is_new, [ROLE_ORDER.index(r) for r in role], house))
    house, role, is_new = house[order], role[order], is_new[order]
    n = len(house)

    # Replacement day (point index 1..days-1) per meter of a replaced role; old meter ends, new one starts.
    repl_day = np.zeros(n, dtype=int)
    replaced = np.zeros(n, dtype=bool)
    age_days = np.zeros(n, dtype=np.int64)
    for r in UTILITY_ROLES:
        sel = role == r
        repl_day[sel] = flags[f"repl_k_{r}"][house[sel]]
        replaced[sel] = flags[f"replaced_{r}"][house[sel]]
        age_days[sel] = flags[f"age_{r}"][house[sel]]
    replaced_main = replaced & (role == "main")
    install_k = np.where(is_new, repl_day, 0)
    removal_k = np.where(replaced & ~is_new, repl_day, days)

    # Utility meters follow the legalisation schedule (_house_flags); garden submeters are the
    # customer's and up to 6 years old, so about one in six has an expired legalisation.
    garden = role == "garden"
    age_days[garden] = rng.integers(30, 6 * 365, int(garden.sum()))
    install_date = np.where(is_new, _dates(start, install_k), _dates(start, -age_days))
    removal_date = np.where(removal_k < days, _dates(start, removal_k - 1), np.datetime64("NaT"))
    rate = np.where(role == "main", persons[house] * 0.1, 0.12) * rng.uniform(0.7, 1.3, n)  # m³/day history
    initial = np.round(rng.uniform(0.0, 0.05, n), 3)
    hist_days = np.where(is_new, 0, age_days)
    r0 = initial + hist_days * rate
    digits = np.full(n, REGISTER_DIGITS)
    near = ~is_new & (rng.random(n) < SHARE_NEAR_ROLLOVER)
    digits[near] = NEAR_ROLLOVER_DIGITS
    r0[near] = 10.0**NEAR_ROLLOVER_DIGITS - rng.uniform(2.0, 40.0, int(near.sum()))
    initial[near] = np.round(np.maximum(r0[near] - hist_days[near] * rate[near], 0.0), 3)
    r0 = np.round(r0, 3)

    faulty = (role == "main") & ~replaced_main & (rng.random(n) < SHARE_FAULTY)
    faulty_k = np.where(faulty, rng.integers(1, max(days, 2), n), -1)
    faulty_from = np.where(faulty, _dates(start, np.maximum(faulty_k, 0)), np.datetime64("NaT"))

    sub = role == "garden"
    sealed = np.where(sub, rng.random(n) < 0.9, True)
    registered = np.where(sub, rng.random(n) < 0.9, True)
    legal = install_date + np.timedelta64(LEGALISATION_DAYS - 1, "D")  # 5 x 365 days, the install day included

    fam_names = np.array(list(FAMILY_SHARES), dtype=object)
    fam_p = np.array(list(FAMILY_SHARES.values()))
    family = fam_names[rng.choice(len(fam_names), size=n, p=fam_p / fam_p.sum())]
    manufacturer = np.empty(n, dtype=object)
    version = np.empty(n, dtype=int)
    device_type = np.empty(n, dtype=int)
    for name in FAMILY_SHARES:  # seven families: a loop over families, not over meters
        sel = family == name
        k = int(sel.sum())
        fam = FAMILIES[name]
        manufacturer[sel] = np.array(fam.manufacturers, dtype=object)[rng.integers(0, len(fam.manufacturers), k)]
        versions = fam.versions or (0x01, 0x02, 0x10, 0x33)
        version[sel] = np.array(versions)[rng.integers(0, len(versions), k)]
        device_type[sel] = np.array(fam.device_types)[rng.integers(0, len(fam.device_types), k)]
    keys = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16)
    key_hex = np.array([bytes(row).hex().upper() for row in keys], dtype=object)
    ids = _meter_ids(rng, n)
    replaces = np.full(n, None, dtype=object)
    new_pos = np.flatnonzero(is_new)
    replaces[new_pos] = ids[new_pos - 1]  # sorted so the old meter sits just before the new one

    return pd.DataFrame({
        "meter_id": ids, "role": role, "manufacturer": manufacturer,
        "install_date": install_date.astype("datetime64[D]"), "removal_date": removal_date.astype("datetime64[D]"),
        "initial_m3": initial, "register_digits": digits, "legalised_until": legal.astype("datetime64[D]"),
        "sealed": sealed, "registered": registered, "faulty_from": faulty_from.astype("datetime64[D]"),
        "replaces_meter_id": replaces, "family": family, "version": version, "device_type": device_type,
        "key": key_hex, "_house": house, "_install_k": install_k, "_removal_k": removal_k,
        "_faulty_k": faulty_k, "_r0": r0,
    })


def _tariffs(start: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One tariff group with a mid-year price change, and its four abonament rows."""
    first = min(start, dt.date(2020, 1, 1)).isoformat()
    change = PRICE_CHANGE.isoformat()
    until = (PRICE_CHANGE - dt.timedelta(days=1)).isoformat()
    tariffs = pd.DataFrame({
        "tariff_group": [TARIFF_GROUP, TARIFF_GROUP], "valid_from": [first, change], "valid_to": [until, ""],
        "water_m3_net": ["6.35", "6.53"], "sewage_m3_net": ["9.21", "9.48"],
    })
    abon = pd.DataFrame({
        "tariff_group": [TARIFF_GROUP] * 4, "valid_from": [first] * 4, "valid_to": [""] * 4,
        "basis": ["meter", "meter", "norm", "norm"], "settlement": ["paper", "e-invoice", "paper", "e-invoice"],
        "abonament_month_net": ["9.80", "6.10", "7.90", "4.40"],
    })
    return tariffs, abon


def build_town(n_meters: int, seed: int, start: dt.date, end: dt.date) -> Town:
    """A town with at most `n_meters` meters (as many whole houses as fit), deterministic per seed."""
    if n_meters < 1:
        raise ValueError(f"--meters must be at least 1, got {n_meters}")
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    rng = np.random.default_rng(seed)
    days = (end - start).days + 1
    h = n_meters  # every metered house has >= 1 meter, so n houses always hold >= n_meters ... almost
    flags = _house_flags(rng, h + 10, days)
    counts = _house_meter_counts(flags)
    n_houses = int(np.searchsorted(np.cumsum(counts), n_meters, side="right"))
    flags = {k: v[:n_houses] for k, v in flags.items()}
    persons = _pick(rng, PERSONS, n_houses).astype(int)
    norm = _pick(rng, NORM_CATEGORIES, n_houses)
    address, lat, lon = layout(n_houses, rng)
    pid = np.char.add("P", np.char.zfill(np.arange(1, n_houses + 1).astype(str), 6)).astype(object)
    if n_houses > 899_999:
        raise ValueError(f"a town of {n_houses} houses needs more than the 6-digit customer numbers 100000-999999")
    # customer numbers are 6 digits: invoices are numbered 123456/2026/10/01 and eBOK logs in with them
    cid = (100_000 + np.arange(1, n_houses + 1)).astype(str).astype(object)
    kid = np.char.add("K", np.char.zfill(np.arange(1, n_houses + 1).astype(str), 6)).astype(object)
    surnames = np.array(["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
                         "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski"], dtype=object)
    customers = pd.DataFrame({"customer_id": cid, "name": surnames[rng.integers(0, len(surnames), n_houses)],
                              "address": address})  # the invoice goes to the premises
    premises = pd.DataFrame({"premises_id": pid, "address": address, "persons": persons, "norm_category": norm,
                             "sewered": flags["sewered"], "_lat": lat, "_lon": lon,
                             "_temporary": flags["temporary"]})
    contract_age = rng.integers(400, 20 * 365, n_houses)
    contracts = pd.DataFrame({
        "contract_id": kid, "customer_id": cid, "premises_id": pid, "tariff_group": TARIFF_GROUP,
        "cycle_months": _pick(rng, ((1, 0.3), (2, 0.5), (3, 0.2)), n_houses).astype(int),
        "settlement": np.where(rng.random(n_houses) < 0.4, "e-invoice", "paper"),
        "start_date": _dates(start, -contract_age),
    })
    meters = _meters(rng, flags, persons, start, days)
    meters.insert(1, "premises_id", pid[meters["_house"].to_numpy()])
    # A meter cannot predate its contract: move the contract start back where needed.
    first_install = meters.groupby("_house")["install_date"].min()
    cs = contracts["start_date"].to_numpy().astype("datetime64[D]")
    cs[first_install.index.to_numpy()] = np.minimum(cs[first_install.index.to_numpy()],
                                                    first_install.to_numpy().astype("datetime64[D]"))
    contracts["start_date"] = cs
    tariffs, abon = _tariffs(start)
    return Town(start, end, customers, premises, contracts, meters, tariffs, abon)


def _fmt_date(values: pd.Series) -> pd.Series:
    s = pd.Series(values).astype("datetime64[s]")
    return s.dt.strftime("%Y-%m-%d").fillna("")


def _fmt_bool(values: pd.Series) -> pd.Series:
    return pd.Series(np.where(values.to_numpy(dtype=bool), "true", "false"), index=values.index)


def _fmt_num(values: pd.Series, decimals: int = 3) -> pd.Series:
    arr = values.to_numpy(dtype=float)
    out = np.char.mod(f"%.{decimals}f", np.nan_to_num(arr)).astype(object)
    out[np.isnan(arr)] = ""
    return pd.Series(out, index=values.index)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_town(town: Town, out: Path) -> dict[str, int]:
    """Write the billing input files and the radio side; returns rows per file.

    Every number is formatted here, so output bytes depend only on the values (determinism).
    `readings.csv` is written by `consumption.write_readings`.
    """
    out.mkdir(parents=True, exist_ok=True)
    p = town.premises
    m = town.meters
    c = town.contracts
    premises = pd.DataFrame({"premises_id": p["premises_id"], "address": p["address"], "persons": p["persons"],
                             "norm_category": p["norm_category"], "sewered": _fmt_bool(p["sewered"])})
    contracts = c.assign(start_date=_fmt_date(c["start_date"]))
    meters = pd.DataFrame({
        "meter_id": m["meter_id"], "premises_id": m["premises_id"], "role": m["role"],
        "manufacturer": m["manufacturer"], "install_date": _fmt_date(m["install_date"]),
        "removal_date": _fmt_date(m["removal_date"]), "initial_m3": _fmt_num(m["initial_m3"]),
        "final_m3": _fmt_num(m["final_m3"]) if "final_m3" in m else "",
        "register_digits": m["register_digits"], "legalised_until": _fmt_date(m["legalised_until"]),
        "sealed": _fmt_bool(m["sealed"]), "registered": _fmt_bool(m["registered"]),
        "faulty_from": _fmt_date(m["faulty_from"]), "replaces_meter_id": m["replaces_meter_id"].fillna(""),
    })
    house = m["_house"].to_numpy()
    radio = pd.DataFrame({
        "meter_id": m["meter_id"], "manufacturer": m["manufacturer"], "family": m["family"],
        "version": m["version"], "device_type": m["device_type"],
        "lat": _fmt_num(pd.Series(p["_lat"].to_numpy()[house]), 6),
        "lon": _fmt_num(pd.Series(p["_lon"].to_numpy()[house]), 6),
    })
    needs_key = m["family"].map(lambda f: FAMILIES[f].needs_key).to_numpy(dtype=bool)
    keys = pd.DataFrame({"id": m["meter_id"][needs_key], "key": m["key"][needs_key]})
    files = {"customers": town.customers, "premises": premises, "contracts": contracts, "meters": meters,
             "tariffs": town.tariffs, "abonaments": town.abonaments, "radio": radio, "keys": keys}
    for name, frame in files.items():
        _write_csv(frame, out / f"{name}.csv")
    return {name: len(frame) for name, frame in files.items()}
