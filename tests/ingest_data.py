"""A small hand-written billing folder and helpers for the importer, billing-from-database and query tests.

The folder is small enough to reason about row by row: two customers with 6-digit ids, a meter that
was replaced on 2026-06-30 (so a reading of the old meter after that is refused and the new meter's
low register is not a "drop"), a garden submeter, and a 5-digit register close to its rollover.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

FILES = {
    "customers.csv": """customer_id,name,email
123456,Kowalska Anna,anna@example.pl
234567,Nowak Jan,
""",
    "premises.csv": """premises_id,address,persons,norm_category,sewered
P1,"ul. Polna 1, Miasteczko",3,T1-3,true
P2,"ul. Polna 2, Miasteczko",2,T1-4,false
""",
    "tariffs.csv": """tariff_group,valid_from,valid_to,water_m3_net,sewage_m3_net
G1,2020-01-01,2026-06-30,6.35,9.21
G1,2026-07-01,,6.53,9.48
""",
    "abonaments.csv": """tariff_group,valid_from,valid_to,basis,settlement,abonament_month_net
G1,2020-01-01,,meter,paper,9.80
G1,2020-01-01,,meter,e-invoice,6.10
G1,2020-01-01,,norm,paper,5.00
G1,2020-01-01,,norm,e-invoice,4.00
""",
    "contracts.csv": """contract_id,customer_id,premises_id,tariff_group,cycle_months,settlement,start_date
K1,123456,P1,G1,1,paper,2020-01-01
K2,234567,P2,G1,2,e-invoice,2021-05-01
""",
    "meters.csv": "meter_id,premises_id,role,manufacturer,install_date,removal_date,initial_m3,final_m3,"
                  "register_digits,legalised_until,sealed,registered,replaces_meter_id\n" + """\
00012345,P1,main,APA,2020-01-01,2026-06-30,0,150.5,5,2030-01-01,true,true,
00012346,P1,main,APA,2026-07-01,,0.5,,5,2032-01-01,true,true,00012345
00099999,P1,garden,APA,2020-01-01,,0,,5,2028-12-31,true,true,
00055555,P2,main,DME,2021-05-01,,99990,,5,2030-01-01,true,true,
00077777,P2,sewage,DME,2021-05-01,,0,,5,2030-01-01,,,
""",
    "keys.csv": """id,key
00012346,000102030405060708090A0B0C0D0E0F
00055555,F0E1D2C3B4A5968778695A4B3C2D1E0F
""",
    "readings.csv": """meter_id,read_at,total_m3,target_m3,target_date,source,alarms
00012346,2026-08-31T08:00:00,10.5,,,van,
00012346,2026-09-30T08:00:00,20.0,,,van,LEAK
00099999,2026-09-30T08:00:00,4.0,,,van,
00055555,2026-09-30T08:00:00,99995.0,,,van,
00077777,2026-09-30T08:00:00,50.0,,,van,
""",
}
KEYS = ("000102030405060708090A0B0C0D0E0F", "F0E1D2C3B4A5968778695A4B3C2D1E0F")
NOW = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)

runner = CliRunner()


def write_folder(folder: Path, **override: str | None) -> Path:
    """The folder above; ``override`` replaces a file's text by name (``customers_csv=…``; None drops it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        key = name.replace(".", "_")
        text = override.get(key, text) if key in override else text
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def amr(*args: str) -> Any:
    """Run the ``amr`` command in-process; the result has exit_code, stdout and stderr."""
    import cli

    return runner.invoke(cli.app, [str(a) for a in args])


def make_schema(url: str) -> None:
    """The schema through the migration, as an operator would create it."""
    import cli_db

    cli_db.upgrade(url)


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, for "nothing changed" checks."""
    import ingest.models  # noqa: F401
    from ingest.models.base import Base, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted(tuple(map(repr, r)) for r in conn.execute(select(t)))
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()
