"""Companies register themselves; an administrator confirms them before they may apply.

The same rules for the registration page and ``POST /api/register``: the company's unified social
credit code (GB 32100-2015, check character verified), a contact person with a phone number or an
e-mail address, one account per credit code. A new account can sign in and search at once;
``review.submit`` refuses its applications until ``confirm``. Every decision is audited.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spacemap import credit_code
from spacemap.auth import MIN_PASSWORD_LENGTH, hash_password
from spacemap.i18n import Msg, _
from spacemap.models import User
from spacemap.review import Conflict, NotFound
from spacemap.signin import Client, check_registrations, hashing
from spacemap.store import audit, users
from spacemap.store.audit import Actor
from spacemap.text import PlainText

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

CREDIT_CODE_REASONS: dict[str, Msg] = {
    "length": _("A unified social credit code has 18 characters."),
    "characters": _(
        "Not a unified social credit code: digits and capital letters except I, O, S, V and Z, "
        "with digits in places 3–8."
    ),
    "check": _("The check character does not match: please check the code for a typo."),
}


def _invalid(message: Msg) -> ValueError:
    """A validation error worded in the reader's language (requests set it before validating)."""
    return ValueError(str(message))


class Registration(BaseModel):
    """What a company says when it registers itself."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "username": "xinsuan",
                    "password": "a-long-secret-1",
                    "company_name": "深圳芯算智能科技有限公司",
                    "credit_code": "91440300708461136T",
                    "contact_name": "王芳",
                    "contact_phone": "+86 755 1234 5678",
                    "contact_email": "wang.fang@example.com",
                }
            ]
        },
    )

    username: str = Field(max_length=64, description="登录名 / sign-in name")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    company_name: PlainText = Field(min_length=1, max_length=128, description="企业名称")
    credit_code: str = Field(max_length=40, description="统一社会信用代码 (GB 32100-2015)")
    contact_name: PlainText = Field(min_length=1, max_length=64, description="联系人")
    contact_phone: str | None = Field(None, max_length=32, description="联系电话")
    contact_email: str | None = Field(None, max_length=254, description="电子邮箱")

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.match(value):
            raise _invalid(
                _(
                    "3–64 characters: lower-case letters, digits and _ . -, starting with a "
                    "letter or digit."
                )
            )
        return value

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        try:
            return credit_code.validate(value)
        except credit_code.InvalidCreditCode as exc:
            raise _invalid(CREDIT_CODE_REASONS[exc.reason]) from None

    @field_validator("contact_phone", "contact_email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise _invalid(_("A phone number: digits, spaces, brackets, hyphens, perhaps a +."))
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise _invalid(_("An e-mail address such as name@example.com."))
        return value

    @model_validator(mode="after")
    def _reachable(self) -> Registration:
        if self.contact_phone is None and self.contact_email is None:
            raise _invalid(_("Give a phone number or an e-mail address for the contact."))
        return self


def register(session: Session, r: Registration, client: Client) -> User:
    """The new, unconfirmed company account; ``Conflict`` naming the field if the username or the
    credit code is taken; ``signin.Throttled`` past a few registrations an hour from one address.
    The password is hashed (Argon2: tens of milliseconds and 64 MiB) in one of the bounded
    hashing slots sign-in uses, before the session touches the database."""
    with hashing():
        password_hash = hash_password(r.password)
    check_registrations(session, client)
    if users.by_username(session, r.username) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=r.username), "username")
    if users.by_credit_code(session, r.credit_code) is not None:
        raise Conflict(
            _("A company with this credit code is already registered; ask the bureau for help."),
            "credit_code",
        )
    try:
        with session.begin_nested():
            user = users.register_company(session, r.username, password_hash, r.company_name,
                                          r.credit_code, r.contact_name, r.contact_phone,
                                          r.contact_email)  # fmt: skip
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(_("The username or the credit code was just taken."), "username") from exc
    actor = Actor(id=user.id, username=user.username, role="company",
                  company_name=user.company_name)  # fmt: skip
    after = {"company_name": user.company_name, "credit_code": user.credit_code,
             "client": client.address}  # fmt: skip
    audit.record(session, actor, "user", user.username, "register", after=after)
    return user


def _pending(session: Session, username: str) -> User:
    user = users.by_username(session, username)
    if user is None or user.role != "company" or user.credit_code is None:
        raise NotFound(_("No registration %(name)s.", name=username), "username")
    if user.confirmed_at is not None:
        raise Conflict(_("%(name)s is already confirmed.", name=username), "username")
    if not user.is_active:
        raise Conflict(_("%(name)s was declined.", name=username), "username")
    return user


def confirm(session: Session, actor: Actor, username: str) -> User:
    """An administrator confirms a registration: from now on the company may apply."""
    user = _pending(session, username)
    users.confirm(session, user, actor.id)
    audit.record(session, actor, "user", user.username, "confirm",
                 after={"confirmed": True})  # fmt: skip
    return user


def decline(session: Session, actor: Actor, username: str, reason: str) -> User:
    """An administrator declines a registration (a false or duplicate company): the account is
    deactivated, its sign-ins end; the reason is kept in the audit log."""
    if not reason.strip():
        raise Conflict(_("Say why the registration is declined."), "reason")
    user = _pending(session, username)
    users.set_active(session, user, False)
    audit.record(session, actor, "user", user.username, "decline", reason=reason.strip(),
                 after={"is_active": False})  # fmt: skip
    return user
