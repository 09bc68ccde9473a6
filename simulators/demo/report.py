"""The demo's face: rich progress while it runs, then the summary a utility's evaluator reads."""

from __future__ import annotations

import time
from pathlib import Path


def run_with_progress(out: Path, *, meters: int, seed: int, period: str, dongle: str, db: str | None,
                      broker: str | None, broker_kind: str = "auto") -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from simulators.demo.pipeline import DemoPlan, run_demo
    from simulators.demo.steps import DemoError

    console = Console()
    plan = DemoPlan(folder=out, meters=meters, seed=seed, period=period, dongle=dongle, db_url=db, broker_url=broker,
                    broker_kind=broker_kind)
    t0 = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: float | None, total: float | None) -> None:
            for name, task in tasks.items():
                if name != stage and name not in ("heard", "receipted"):
                    bar.update(task, completed=bar.tasks[task].total or 1, total=bar.tasks[task].total or 1)
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done or 0, total=total)

        try:
            result = run_demo(plan, progress)
        except DemoError as exc:
            console.print(f"[red]error:[/red] {exc}")
            return 1
        for task in tasks.values():
            bar.update(task, completed=bar.tasks[task].total or 1, total=bar.tasks[task].total or 1)
    from simulators.demo.summary import print_summary

    print_summary(console, result, time.perf_counter() - t0)
    return 0
