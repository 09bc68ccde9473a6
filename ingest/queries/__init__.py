"""Queries for billing staff (``amr readings|meters|alarms|quarantine|invoices``).

Each query returns plain rows (dicts) that ``render`` prints as a table, CSV or a JSON array.  No query
ever selects from ``meter_keys``: keys are not data staff look at, and a key in a terminal's scrollback
is a key leaked.
"""

from ingest.queries.render import FORMATS, render
from ingest.queries.staff import (
    QueryError,
    alarms_since,
    invoice_detail,
    invoices_list,
    meters_unread,
    quarantine_list,
    readings_show,
)

__all__ = ["FORMATS", "QueryError", "alarms_since", "invoice_detail", "invoices_list", "meters_unread",
           "quarantine_list", "readings_show", "render"]
