"""The repository's own sources: every received file has its provenance, every figure its sentence.

No database: these check ``geodata/sources/`` against itself (the documents are in it).
"""

from __future__ import annotations

import csv
import hashlib

import pytest

from geodata import sources_path
from geodata.citations import cite
from geodata.figures import document_text, evaluate, figures, normalise, written_value

RECEIVED = ("documents", "geo")  # folders of files we received rather than wrote


def _provenance() -> dict[str, dict[str, str]]:
    with sources_path("files.csv").open(encoding="utf-8", newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


def test_every_received_file_has_provenance_and_is_unchanged() -> None:
    listed = _provenance()
    present = sorted(
        p.relative_to(sources_path()).as_posix()
        for folder in RECEIVED
        for p in sources_path(folder).iterdir()
        if p.is_file()
    )
    assert present == sorted(listed)
    for path, row in listed.items():
        assert row["origin"] and row["licence"] and row["datum"], path
        digest = hashlib.sha256(sources_path(path).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{path} changed since its provenance was written"


@pytest.mark.parametrize("fig", figures(), ids=lambda f: f"{f.subject}.{f.field}")
def test_every_figure_is_quoted_from_the_document_it_cites(fig) -> None:
    cite(fig.source)  # a known document
    assert normalise(fig.quote) in document_text(fig.doc_id), "quote not in the cited document"
    assert normalise(fig.as_written) in normalise(fig.quote), "number not in its quote"
    if fig.kind == "documented":
        assert written_value(fig.as_written) == pytest.approx(fig.value)
        assert fig.derivation == ""
    else:
        assert fig.kind == "inferred", fig.kind
        assert evaluate(fig.derivation) == pytest.approx(fig.value)


def test_a_figure_is_stated_once() -> None:
    keys = [(f.subject, f.field) for f in figures()]
    assert len(keys) == len(set(keys))


def test_number_parsing_reads_the_scale_the_document_writes() -> None:
    assert written_value("约 1.3 万平方米") == 13000
    assert written_value("3.10866 万㎡") == pytest.approx(31086.6)
    assert written_value("64 家") == 64
    with pytest.raises(ValueError):
        evaluate("__import__('os')")
