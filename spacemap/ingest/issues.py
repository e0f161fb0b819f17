"""The shape of an import problem: which row, which field, and why — nothing vaguer.

The reason is a catalog message (``Msg``), rendered in the language of whoever reads it: the
CLI's, or the language of the API request that uploaded the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacemap.i18n import Msg, _, ngettext


@dataclass(frozen=True)
class Issue:
    row: int | None  # 1-based data row (CSV: file line = row + 1 without multi-line cells)
    field: str  # a column name, "lng/lat", "geometry", "encoding", or "(file)" / "(row)"
    message: Msg
    hint: str | None = None  # e.g. the encoding the file looks like it is in

    def where(self) -> Msg:
        return _("file") if self.row is None else _("row %(row)s", row=self.row)

    def render(self, locale: str | None = None) -> str:
        return f"{self.where().render(locale)}, {self.field}: {self.message.render(locale)}"

    def __str__(self) -> str:
        return self.render()


class ImportRejected(ValueError):
    """The file was refused whole. ``issues`` lists the problems found, in row order, up to
    ``MAX_LISTED``; ``total`` counts them all (a broken export can have hundreds of thousands)."""

    MAX_LISTED = 200

    def __init__(self, issues: list[Issue]) -> None:
        ordered = sorted(issues, key=lambda i: (i.row or 0, i.field))
        self.total = len(ordered)
        self.issues = ordered[: self.MAX_LISTED]
        super().__init__(self.summary().render("en"))

    @property
    def more(self) -> int:
        return self.total - len(self.issues)

    def summary(self) -> Msg:
        return ngettext(
            "%(n)d problem, nothing was written",
            "%(n)d problems, nothing was written",
            self.total,
        )

    def unlisted(self) -> Msg | None:
        if not self.more:
            return None
        return ngettext(
            "and %(n)d more problem not listed", "and %(n)d more problems not listed", self.more
        )
