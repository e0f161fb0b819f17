"""Form errors a person can act on: the field as the form labels it and the reason, in the page's
language — never ``max_rent_cny_m2_month: Input should be…``.

Pydantic reports an error's ``type`` and its limits (``ctx``); each type has a catalog message
here. A validator's own ``ValueError`` is worded already (``spacemap.registration`` words it in
the reader's language) and shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ValidationError

from spacemap.i18n import Msg, _


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field's name (the input's ``name`` and ``id``)
    label: str  # as the form labels it, in the page's language
    reason: str  # in the page's language


def number(value: Any) -> str:
    """A limit as people write it: 1,000,000 not 1e+06; 0.5 stays 0.5."""
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,}"


REASONS: dict[str, Msg] = {
    "missing": _("is required"),
    "greater_than_equal": _("must be at least %(limit)s"),
    "greater_than": _("must be more than %(limit)s"),
    "less_than_equal": _("must be at most %(limit)s"),
    "less_than": _("must be less than %(limit)s"),
    "int_parsing": _("must be a whole number"),
    "int_from_float": _("must be a whole number"),
    "int_type": _("must be a whole number"),
    "float_parsing": _("must be a number"),
    "float_type": _("must be a number"),
    "finite_number": _("must be a number"),
    "string_too_long": _("must have at most %(limit)s characters"),
    "too_long": _("at most %(limit)s choices"),
    "literal_error": _("is not one of the choices"),
    "enum": _("is not one of the choices"),
    "date_parsing": _("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": _("must be a date (YYYY-MM-DD)"),
    "date_type": _("must be a date (YYYY-MM-DD)"),
    "bool_parsing": _("must be yes or no"),
    "extra_forbidden": _("is not a field of this form"),
}
LIMIT = {
    "greater_than_equal": "ge",
    "greater_than": "gt",
    "less_than_equal": "le",
    "less_than": "lt",
    "string_too_long": "max_length",
    "too_long": "max_length",
}


def reason(error: Mapping[str, Any]) -> str:
    """One pydantic error's reason in the current language."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_too_short":
        limit = ctx.get("min_length", 1)
        if limit <= 1:
            return str(REASONS["missing"])
        return str(_("must have at least %(limit)s characters", limit=number(limit)))
    message = REASONS.get(kind)
    if message is None:
        return str(_("is not valid"))
    if kind in LIMIT:
        return Msg(message.msgid, {"limit": number(ctx.get(LIMIT[kind], 0))}).render()
    return str(message)


def field_of(loc: tuple[Any, ...]) -> str:
    """The form field an error is about: the last name in its location (``preferences.areas.0``
    is the ``areas`` field of the form)."""
    names = [str(part) for part in loc if isinstance(part, str)]
    return names[-1] if names else ""


def errors_of(
    exc: ValidationError, labels: Mapping[str, Msg], whole_form: str = ""
) -> list[FieldError]:
    """Every error of a form's model, labelled as the form labels its fields; an error about
    the whole model (a rule across fields) is shown at the field ``whole_form``."""
    out = []
    for error in exc.errors():
        field = field_of(tuple(error.get("loc", ()))) or whole_form
        label = labels.get(field)
        out.append(FieldError(field, str(label) if label else str(_("Form")), reason(error)))
    return out


def limits(model: type[BaseModel], field: str) -> dict[str, Any]:
    """A field's bounds as HTML input attributes (``min``, ``max``, ``minlength``,
    ``maxlength``), read from the model itself so the page and the API refuse the same input."""
    out: dict[str, Any] = {}
    for item in model.model_fields[field].metadata:
        if isinstance(item, Ge):
            out["min"] = item.ge
        elif isinstance(item, Gt):
            out["min"] = item.gt
        elif isinstance(item, Le):
            out["max"] = item.le
        elif isinstance(item, Lt):
            out["max"] = item.lt
        elif isinstance(item, MinLen):
            out["minlength"] = item.min_length
        elif isinstance(item, MaxLen):
            out["maxlength"] = item.max_length
    return out
