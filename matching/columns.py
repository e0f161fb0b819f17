"""Query results as columns: one row of arrays, numeric ones read straight into numpy.

A search returns thousands of candidate units. Fetched as rows, every value becomes a Python
object and every row a tuple the garbage collector tracks, which together cost about as much as
the query. Wrapped in one ``array_agg`` per column, the result is a single row, and numeric arrays
are read from PostgreSQL's binary array format by numpy without a Python object per value.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

import numpy as np
from psycopg.adapt import Buffer, Loader
from psycopg.postgres import types as pg_types
from psycopg.pq import Format
from sqlalchemy import text
from sqlalchemy.orm import Session

Kind = Literal["int", "float", "bool", "text"]

# How each kind is aggregated: NULL floats become NaN, so every element has the same width.
_AGGREGATE: dict[Kind, str] = {
    "int": "array_agg(CAST({c} AS bigint))",
    "float": "array_agg(COALESCE(CAST({c} AS double precision), 'NaN'))",
    "bool": "array_agg({c})",
    "text": "array_agg(CAST({c} AS text))",
}
_EMPTY = {"int": np.int64, "float": np.float64, "bool": np.bool_, "text": object}


class _NumpyArrayLoader(Loader):
    """A one-dimensional binary array without NULLs: a header, then (length, value) pairs."""

    format = Format.BINARY
    wire: ClassVar[str]  # the element as sent, big-endian
    dtype: ClassVar[type]

    def load(self, data: Buffer) -> np.ndarray:
        ndim, has_nulls = struct.unpack_from(">ii", data)
        if ndim == 0:
            return np.empty(0, self.dtype)
        if ndim != 1 or has_nulls:
            raise ValueError("expected a one-dimensional array without NULLs")
        (n,) = struct.unpack_from(">i", data, 12)
        pairs = np.dtype([("size", ">i4"), ("value", self.wire)])
        return np.frombuffer(data, pairs, count=n, offset=20)["value"].astype(self.dtype)


class _Float8Array(_NumpyArrayLoader):
    wire, dtype = ">f8", np.float64


class _Int8Array(_NumpyArrayLoader):
    wire, dtype = ">i8", np.int64


class _BoolArray(_NumpyArrayLoader):
    wire, dtype = "u1", np.bool_


_LOADERS = {"float8": _Float8Array, "int8": _Int8Array, "bool": _BoolArray}


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Queries sent inside (``send_rows``, ``send_columns``) go to the server at once, and it
    runs them while Python works on earlier results (libpq's pipeline mode): a search's near
    misses are found while its candidates are scored. Only this module's queries may run inside:
    SQLAlchemy reads a result's columns before fetching it, which a pipeline cannot answer."""
    with session.connection().connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
        yield


def send_rows(
    session: Session, sql: str, params: Mapping[str, Any]
) -> Callable[[], list[dict[str, Any]]]:
    """Send ``sql`` now (planned for these parameters, see ``fetch_columns``); the returned
    function reads its rows as dicts, waiting for them if need be."""
    compiled = text(sql).compile(dialect=session.get_bind().dialect)
    cursor = session.connection().connection.cursor()
    cursor.execute(compiled.string, compiled.construct_params(dict(params)), prepare=False)

    def rows() -> list[dict[str, Any]]:
        try:
            fetched = cursor.fetchall()
            names = [d.name for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in fetched]
        finally:
            cursor.close()

    return rows


def fetch_rows(session: Session, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``sql``'s rows as dicts, planned for these parameters every time (see ``fetch_columns``)."""
    return send_rows(session, sql, params)()


def send_columns(
    session: Session, sql: str, params: Mapping[str, Any], columns: Mapping[str, Kind]
) -> Callable[[], dict[str, np.ndarray]]:
    """Send ``sql`` now; the returned function reads its result as one array per column
    (``columns``: name → kind, in select order)."""
    aggregates = ", ".join(f"{_AGGREGATE[kind].format(c=name)} AS {name}"
                           for name, kind in columns.items())  # fmt: skip
    wrapped = text(f"SELECT {aggregates} FROM ({sql}) AS result")
    compiled = wrapped.compile(dialect=session.get_bind().dialect)
    cursor = session.connection().connection.cursor(binary=True)
    for name, loader in _LOADERS.items():
        cursor.adapters.register_loader(pg_types[name].array_oid, loader)
    # Never prepared: a generic plan cannot see how many parks the arrays hold or how
    # selective the request is, and chose a nested loop that took seconds (custom plans: ms).
    cursor.execute(compiled.string, compiled.construct_params(dict(params)), prepare=False)

    def result() -> dict[str, np.ndarray]:
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        assert row is not None  # an aggregate without GROUP BY always returns one row
        out = {}
        for (name, kind), values in zip(columns.items(), row, strict=True):
            if values is None:  # no rows: array_agg gives NULL
                out[name] = np.empty(0, _EMPTY[kind])
            elif kind == "text":
                out[name] = np.array(values, dtype=object)
            else:
                out[name] = values
        return out

    return result


def fetch_columns(
    session: Session, sql: str, params: Mapping[str, Any], columns: Mapping[str, Kind]
) -> dict[str, np.ndarray]:
    """``sql``'s result as one array per column (``columns``: name → kind, in select order)."""
    return send_columns(session, sql, params, columns)()
