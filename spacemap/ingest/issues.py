"""The shape of an import problem: which row, which field, and why — nothing vaguer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    row: int | None  # 1-based data row (CSV: file line = row + 1); None for the whole file
    field: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        return f"{where}, {self.field}: {self.message}"


class ImportRejected(ValueError):
    """The file was refused whole; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(f"{len(issues)} problem(s): " + "; ".join(map(str, issues[:5])))
