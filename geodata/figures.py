"""The documented figures (``sources/figures.csv``): every number the dataset takes from the plans.

Each row names what it is about (``subject``: ``table/code``), the column or quantity (``field``),
the value in base units (m², firms), the number exactly as the document writes it
(``as_written``, e.g. "约 1.3 万平方米"), the citation (``source``: "001 二(六)") and the
sentence it comes from (``quote``, verbatim). ``kind`` is ``documented`` (the value *is* the
written number) or ``inferred`` (the value follows from written numbers by ``derivation``, an
arithmetic expression).

The documents themselves are in ``sources/documents/``, so a test can check that every quote is in
the document it cites and that every value is what its quote says.
"""

from __future__ import annotations

import ast
import csv
import operator
import re
from dataclasses import dataclass
from functools import cache

from geodata import sources_path

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:多|余)?\s*(万|亿)?")
_CN_NUMBER = re.compile(r"[零一二两三四五六七八九十百千]+")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_SCALE = {None: 1, "万": 10_000, "亿": 100_000_000}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Figure:
    subject: str  # "parks/fintech_city"
    field: str  # "low_cost_area_m2"
    value: float
    as_written: str
    kind: str  # documented | inferred
    derivation: str
    source: str  # "001 二(二)"
    quote: str

    @property
    def table(self) -> str:
        return self.subject.split("/", 1)[0]

    @property
    def code(self) -> str:
        return self.subject.split("/", 1)[1]

    @property
    def doc_id(self) -> str:
        return self.source.split()[0]


@cache
def figures() -> tuple[Figure, ...]:
    with sources_path("figures.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Figure(
                subject=r["subject"],
                field=r["field"],
                value=float(r["value"]),
                as_written=r["as_written"],
                kind=r["kind"],
                derivation=r["derivation"],
                source=r["source"],
                quote=r["quote"],
            )
            for r in csv.DictReader(f)
        )


def figure(subject: str, field: str) -> Figure:
    """The one figure for ``subject``/``field``; KeyError if the sources have none."""
    found = [f for f in figures() if f.subject == subject and f.field == field]
    if len(found) != 1:
        raise KeyError(f"{len(found)} figures for {subject} {field}")
    return found[0]


def _chinese_number(text: str) -> int:
    """'七' -> 7, '十三' -> 13, '二十' -> 20, '一百零五' -> 105."""
    total, digit = 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
    return total + (digit or 0)


def written_value(as_written: str) -> float:
    """'约 1.3 万平方米' -> 13000.0; '64 家' -> 64.0; '十三层' -> 13.0 (the first number, in
    digits or Chinese numerals, and its 万/亿 scale)."""
    match = _NUMBER.search(as_written)
    if match is not None:
        return float(match.group(1)) * _SCALE[match.group(2)]
    chinese = _CN_NUMBER.search(as_written)
    if chinese is None:
        raise ValueError(f"no number in {as_written!r}")
    return float(_chinese_number(chinese.group(0)))


_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expression: str) -> float:
    """Arithmetic on numbers only ('(40000 - 13000 - 15000) / 2'): how an inferred value is got."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError(f"not plain arithmetic: {expression!r}")

    return walk(ast.parse(expression, mode="eval"))


def normalise(text: str) -> str:
    """Whitespace removed: the documents break lines (and pages) inside sentences."""
    return _SPACE.sub("", text)


@cache
def document_text(doc_id: str) -> str:
    """The document's text, whitespace removed (see ``normalise``)."""
    with sources_path("documents.csv").open(encoding="utf-8") as f:
        files = {row["id"]: row["file"] for row in csv.DictReader(f)}
    return normalise(sources_path(files[doc_id]).read_text(encoding="utf-8"))
