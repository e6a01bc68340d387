"""The access file: who may sign in, in which role, over which part of the dealer network.

A TOML file outside the mart (a rebuild never touches it), at $CRM_ACCESS or data/access.toml; the repo holds
access.example.toml. One [[person]] table per person:

    [[person]]
    user = "li.wang@example.com"   # the email the identity provider signs them in with (or its subject id)
    role = "regional_manager"      # executive, regional_manager, dealer, marketing, customer_service, admin
    regions = ["华东", "华南"]      # and/or provinces = [...], dealer_ids = [...]: a dealer must match each level named
    language = "zh"                # optional, "zh" (the default) or "en": the language of their weekly digest

Deny by default: a signed-in person who is not in the file sees a "no access" page and nothing else.
"""
from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mart.paths import ROOT
from queries.access import ROLES, Access

log = logging.getLogger(__name__)

DEFAULT_ACCESS_FILE = ROOT / "data" / "access.toml"
KNOWN_KEYS = {"user", "role", "regions", "provinces", "dealer_ids", "language"}
# The languages a person's mail (the weekly digest) can be written in; the dashboard itself follows the browser.
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


class AccessFileError(ValueError):
    pass


def access_file_path() -> Path:
    return Path(os.environ.get("CRM_ACCESS") or DEFAULT_ACCESS_FILE)


@dataclass(frozen=True)
class Person:
    """One entry of the file: what they may see, and the language mail to them is written in."""

    access: Access
    language: str = DEFAULT_LANGUAGE


def read_access_file(path: Path) -> dict[str, Access]:
    """user (lower case) -> Access; a missing file is no one; a bad file raises AccessFileError naming the entry."""
    return {user: person.access for user, person in read_people(path).items()}


def read_people(path: Path) -> dict[str, Person]:
    """user (lower case) -> Person, read as read_access_file reads the file."""
    if not path.exists():
        log.warning("no access file at %s: no one who signs in is let in", path)
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AccessFileError(f"{path.name}: cannot be read as TOML: {error}") from None
    people: dict[str, Person] = {}
    for i, entry in enumerate(raw.get("person", []), 1):
        where = f"{path.name}, person {i}"
        unknown = set(entry) - KNOWN_KEYS
        if unknown:
            raise AccessFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        user = str(entry.get("user", "")).strip().lower()
        if not user:
            raise AccessFileError(f"{where}: no user")
        if user in people:
            raise AccessFileError(f"{where}: {user} is listed twice")
        if entry.get("role") not in ROLES:
            raise AccessFileError(f"{where}: role must be one of {', '.join(ROLES)}")
        lists = {}
        for key in ("regions", "provinces", "dealer_ids"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise AccessFileError(f"{where}: {key} must be a list of names")
            lists[key] = tuple(v.strip() for v in value)
        language = entry.get("language", DEFAULT_LANGUAGE)
        if language not in LANGUAGES:
            raise AccessFileError(f"{where}: language must be one of {', '.join(LANGUAGES)}")
        try:
            people[user] = Person(Access(user, entry["role"], **lists), language)
        except ValueError as error:
            raise AccessFileError(f"{where}: {error}") from None
    return people


def lookup(people: dict[str, Access], *identities: str | None) -> Access | None:
    """The access of the first identity (email, then subject) the file lists, or None: deny by default."""
    for identity in identities:
        if identity and identity.strip().lower() in people:
            return people[identity.strip().lower()]
    return None
