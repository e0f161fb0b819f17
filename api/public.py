"""Absolute links the API hands out, never built from whatever ``Host`` a client sent.

Feature pages, collection documents and the landing page carry absolute links that clients and
caches keep. With ``SPACEMAP_PUBLIC_URL`` set they all start with it; without, the request's own
address is used only when its host is one of ``SPACEMAP_TRUSTED_HOSTS`` (loopback by default),
and any other host is refused with a problem saying which setting to change.
"""

from __future__ import annotations

from fastapi import Request

from api.problems import Problem
from spacemap.config import get_settings
from spacemap.i18n import _


def host_name(host_header: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``::1``."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0].lower()
    return host_header.rsplit(":", 1)[0].lower() if host_header.count(":") == 1 else host_header


def trusted_hosts() -> set[str]:
    return {h.strip().lower() for h in get_settings().trusted_hosts.split(",") if h.strip()}


def base_url(request: Request) -> str:
    """Where links point: the configured public URL, or this request's trusted address."""
    configured = get_settings().public_url
    if configured:
        return configured.rstrip("/")
    host = request.headers.get("host", "")
    if host_name(host) not in trusted_hosts():
        raise Problem(
            400,
            _("This server does not build links for the host %(host)s: its operator sets "
              "SPACEMAP_PUBLIC_URL (or adds the host to SPACEMAP_TRUSTED_HOSTS)", host=repr(host)),
            field="Host",
        )  # fmt: skip
    return str(request.base_url).rstrip("/")
