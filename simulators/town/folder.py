"""Reopen a town folder written by `amr simulate town` for the drive and the virtual dongle.

Why rebuild instead of parsing the CSVs back: the ground truth (every meter's register at every
instant) is a function of the town's parameters and seed, and the CSVs deliberately hold only
what billing may see. `town.json` records the parameters; reopening rebuilds the town and its
truth and then checks that `meters.csv` still lists the same meters, so a folder edited by hand
(or written by another version) is refused with a clear message instead of simulating a
different town than the one on disk.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulators.town.consumption import GroundTruth, simulate
from simulators.town.population import Town, build_town

PARAMS_FILE = "town.json"
FORMAT = 1


class TownFolderError(ValueError):
    """A town folder that cannot be reopened; the message names the file and the problem."""


@dataclass(frozen=True)
class TownParams:
    meters: int
    seed: int
    start: dt.date
    end: dt.date

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "generator": "amr simulate town", "meters": self.meters,
                           "seed": self.seed, "start": self.start.isoformat(), "end": self.end.isoformat()},
                          indent=2) + "\n"


def write_params(params: TownParams, out: Path) -> None:
    (out / PARAMS_FILE).write_text(params.to_json(), encoding="utf-8")


def read_params(folder: Path) -> TownParams:
    path = folder / PARAMS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TownFolderError(f"{path}: not found; write the town with 'amr simulate town --out {folder}'") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TownFolderError(f"{path}: cannot read: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise TownFolderError(f"{path}: not a town parameter file of format {FORMAT}")
    try:
        return TownParams(int(raw["meters"]), int(raw["seed"]), dt.date.fromisoformat(raw["start"]),
                          dt.date.fromisoformat(raw["end"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TownFolderError(f"{path}: bad or missing field: {exc}") from None


def open_town(folder: Path) -> tuple[Town, GroundTruth, TownParams]:
    """The town and its ground truth, rebuilt from `town.json` and checked against `meters.csv`."""
    if not folder.is_dir():
        raise TownFolderError(f"{folder}: no such folder")
    params = read_params(folder)
    town = build_town(params.meters, params.seed, params.start, params.end)
    truth = simulate(town, params.seed)
    meters_csv = folder / "meters.csv"
    try:
        on_disk = pd.read_csv(meters_csv, dtype=str, usecols=["meter_id"], keep_default_na=False)["meter_id"]
    except FileNotFoundError:
        raise TownFolderError(f"{meters_csv}: not found") from None
    except (ValueError, OSError) as exc:
        raise TownFolderError(f"{meters_csv}: cannot read: {exc}") from None
    rebuilt = town.meters["meter_id"]
    if len(on_disk) != len(rebuilt) or not (on_disk.to_numpy() == rebuilt.to_numpy()).all():
        raise TownFolderError(f"{meters_csv}: does not match the town {folder / PARAMS_FILE} describes "
                              f"({len(on_disk)} meters on disk, {len(rebuilt)} rebuilt); was it edited?")
    return town, truth, params
