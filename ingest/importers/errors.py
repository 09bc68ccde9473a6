"""What an importer says when it refuses a file: every bad row with its number, column and reason.

A file with any bad row is rejected whole and the database is left as it was, so the clerk fixes the
file and imports it again; listing every bad row at once (up to a limit) saves one round trip per row.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 50  # a file with more bad rows than this is wrong as a whole; listing more does not help


@dataclass(frozen=True)
class Problem:
    """One bad row (or a file-level problem when ``row`` is None)."""

    file: str
    row: int | None
    column: str | None
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}" + (f" (line {self.line})" if self.line is not None else "")
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class ImportRejected(ValueError):
    """The file was not imported; ``problems`` lists why.  ``str()`` is one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"{problems[0].file}: rejected, nothing imported ({len(problems)} problem"
        head += "s)" if len(problems) != 1 else ")"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]))
