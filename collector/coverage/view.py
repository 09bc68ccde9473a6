"""The crew's live screen (rich): kept apart from the service so the I/O loop stays small and the view can
be rendered in a test. rich is imported here only, when a view is actually shown."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.progress_bar import ProgressBar
from rich.table import Table

from collector.coverage import Coverage


@dataclass(frozen=True)
class VanLine:
    """The header line: who, which stick in which state, how much is heard and still unsent."""

    van_id: str
    dongle: str
    state: str
    frames: int
    unsynced: int
    position: tuple[float, float] | None
    notes: tuple[str, ...] = ()  # the latest dongle and sync events, with their reasons


def render(cov: Coverage, van: VanLine, *, nearest: int = 5, alarms_shown: int = 8) -> Group:
    """N of M read with a bar, the missing meters nearest the van, the latest heard, and the alarms."""
    head = Table.grid(padding=(0, 2))
    head.add_row(f"[b]{van.van_id}[/b]", f"dongle {van.dongle}: {van.state}", f"frames {van.frames}",
                 f"unsynced {van.unsynced}",
                 f"GPS {van.position[0]:.5f},{van.position[1]:.5f}" if van.position else "GPS -")
    parts: list = [head]
    if cov.route:
        read = cov.read
        bar = Table.grid(padding=(0, 2))  # in a grid: a bare ProgressBar ends without a line break
        bar.add_row(f"read [b]{read}[/b] of {len(cov.route)}", ProgressBar(total=len(cov.route), completed=read,
                                                                            width=60))
        parts.append(bar)
        near = Table("missing nearby", "address", "distance", box=None)
        for m, d in cov.nearest_missing(van.position, nearest):
            near.add_row(m.meter_id, m.address, "" if d is None else f"{d:.0f} m")
        parts.append(near)
    parts.append("latest: " + " ".join(cov.latest))
    if cov.alarms:
        table = Table("meter", "alarm (clear-text status)", box=None)
        for mid, names in list(cov.alarms.items())[-alarms_shown:]:
            table.add_row(mid, " ".join(names))
        parts.append(table)
    parts += [f"[dim]{note}[/dim]" for note in van.notes]
    return Group(*parts)
