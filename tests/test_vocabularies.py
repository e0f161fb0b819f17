"""Vocabularies are safe to change: every table keyed by one covers all of it, and the database's
CHECK lists are the same lists as ``spacemap/vocab.py``.

Alembic's autogenerate does not compare CHECK constraints, so a vocabulary grown in Python but
not in a migration (or the other way round) would only fail when a row hits it; here it fails at
once. A new CHECK list without an entry in ``CHECK_VOCABULARIES`` fails too.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching import checks, policy
from matching.queries import CHECK_NAMES
from spacemap import review, vocab
from spacemap.i18n import Names
from web import maps

# (table, constraint) → the vocabulary its list must equal.
CHECK_VOCABULARIES: dict[tuple[str, str], object] = {
    ("zones", "code"): vocab.ZONE_CODES,
    ("parks", "park_type"): vocab.PARK_TYPES,
    ("parks", "status"): vocab.PARK_STATUSES,
    ("park_industries", "basis"): vocab.TAG_BASES,
    ("space_units", "features"): vocab.UNIT_FEATURES,
    ("tenants", "stage"): vocab.STAGES,
    ("tenants", "status"): vocab.TENANT_STATUSES,
    ("users", "role"): vocab.ROLES,
    ("applications", "status"): vocab.APPLICATION_STATUSES,
    ("audit_log", "entity"): vocab.AUDIT_ENTITIES,
    ("audit_log", "action"): vocab.AUDIT_ACTIONS,
    ("proposals", "status"): ("open", "accepted", "stale"),
    ("whitelist_changes", "action"): ("add", "remove"),
    ("areas", "boundary_quality"): vocab.BOUNDARY_QUALITIES,
    ("area_parts", "boundary_quality"): vocab.BOUNDARY_QUALITIES,
    ("indicator_values", "kind"): vocab.INDICATOR_KINDS,
    ("indicators", "measurable"): vocab.MEASURABLE,
    ("indicators", "unit"): vocab.INDICATOR_UNITS,
    ("indicator_values", "qualifier"): ("=", ">", "≈", "≥"),  # how the plan states the value
}

LISTS = """
SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'c' AND n.nspname = 'public' AND c.conrelid <> 0
  AND pg_get_constraintdef(c.oid) ~ '(ARRAY\\[|IN \\()'
"""


def test_every_database_check_list_is_a_vocabulary(session: Session) -> None:
    found = {(r.tbl, r.conname): r.def_ for r in session.execute(text(
        LISTS.replace("AS def", "AS def_")))}  # fmt: skip
    unmapped = sorted(set(found) - set(CHECK_VOCABULARIES))
    assert unmapped == [], f"CHECK lists with no vocabulary in this test: {unmapped}"
    for key, expected in CHECK_VOCABULARIES.items():
        assert key in found, f"{key} has no CHECK list in the database"
        literals = set(re.findall(r"'([^']*)'", found[key]))
        assert literals == set(expected), f"{key}: database {literals} ≠ vocab {set(expected)}"


@pytest.mark.parametrize(
    "vocabulary",
    [vocab.PARK_TYPES, vocab.UNIT_FEATURES, vocab.STAGES, vocab.TENANT_STATUSES, vocab.ROLES,
     vocab.APPLICATION_STATUSES, vocab.CHECKS, vocab.AUDIT_ACTIONS, vocab.PARK_STATUSES],
)  # fmt: skip
def test_every_code_has_two_names(vocabulary: dict[str, tuple[str, str]]) -> None:
    for code, names in vocabulary.items():
        zh, en = names
        assert zh and en and zh != en, code
        assert Names(zh, en).render("en") == en


def test_tables_keyed_by_park_type_and_stage_cover_them() -> None:
    assert set(policy.STAGE_TYPE_FIT) == set(vocab.STAGES)
    for stage, fit in policy.STAGE_TYPE_FIT.items():
        assert set(fit) == set(vocab.PARK_TYPES), stage
    assert set(policy.PROGRAMME_TYPES) <= set(vocab.PARK_TYPES)
    assert set(maps.PARK_COLORS) == set(vocab.PARK_TYPES)
    assert set(maps.ZONE_COLORS) == set(vocab.ZONE_CODES)


def test_the_checks_are_named_and_worded_everywhere() -> None:
    assert set(vocab.CHECKS) == set(CHECK_NAMES) == set(checks.PASSED)


def test_the_workflow_speaks_only_of_known_statuses() -> None:
    statuses = set(vocab.APPLICATION_STATUSES)
    assert set(vocab.OPEN_STATUSES) <= statuses
    for name, rule in review.TRANSITIONS.items():
        assert rule.sources <= statuses and rule.target in statuses, name
        assert rule.roles <= set(vocab.ROLES), name
        assert name in review.ACTION_NAMES and name in vocab.AUDIT_ACTIONS


def test_every_audit_action_in_the_log_has_a_name(session: Session) -> None:
    written = set(session.scalars(text("SELECT DISTINCT action FROM audit_log")))
    assert written <= set(vocab.AUDIT_ACTIONS), written - set(vocab.AUDIT_ACTIONS)
