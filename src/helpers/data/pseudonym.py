"""Salted pseudonyms for members: personal identifiers are turned into a member id as they are read, then dropped.

A member's id is an HMAC-SHA256 of their identifier under a salt kept in the output data folder (:data:`SALT_FILE`),
so the same member gets the same id on every import into that folder and no id can be traced back to a person
without the salt. The identifier is the identity number, else the party card number, else the name with the birth
date (:func:`identifier_input`). Nothing else about a person's identity is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from helpers.data.contracts import header_key
from helpers.errors import BadInput
from helpers.text import both

SALT_FILE = ".salt"
SALT_BYTES = 32
PSEUDONYM_HEX = 16  # 64 bits: no collision to expect among even millions of members
IDENTIFIER_KINDS = ("identity", "card", "name")  # in the order they are preferred

_NUMBER_NOISE = re.compile(r"[\s.\-/_]")


def member_pseudonym(identity: str, salt: bytes) -> str:
    """The member id of an identifier (as :func:`identifier_input` builds it): "M" and 16 hex digits."""
    digest = hmac.new(salt, identity.encode("utf-8"), hashlib.sha256).hexdigest()
    return "M" + digest[:PSEUDONYM_HEX]


def normal_number(text: str | None) -> str | None:
    """An identity or card number as compared: spaces, dots and dashes removed, upper case, leading zeros dropped
    (a workbook that stored the number as a number lost them; one that kept it as text did not)."""
    if text is None:
        return None
    number = _NUMBER_NOISE.sub("", str(text)).upper().lstrip("0")
    return number or None


def identifier_input(
    identity: str | None = None, card: str | None = None, name: str | None = None, birth: str | None = None
) -> tuple[str, str] | None:
    """The kind of identifier used (``identity``, ``card`` or ``name``) and the text the pseudonym is made from,
    or None when a row has none of them. ``birth`` is the birth date as an ISO date (or a year)."""
    number = normal_number(identity)
    if number:
        return "identity", f"identity:{number}"
    number = normal_number(card)
    if number:
        return "card", f"card:{number}"
    key = header_key(name) if name else ""
    if key and birth:
        return "name", f"name:{key}|{birth}"
    return None


def folder_salt(folder: str | Path) -> bytes:
    """The salt of a data folder: read from ``folder/.salt``, or created there once (random, 32 bytes as hex).

    Importing into the same folder again gives every member the same id; another folder (or a lost salt) gives
    other ids. Keep the salt with the raw data (``data/raw/`` is ignored by git) and never share it with the data.
    """
    folder = Path(folder)
    path = folder / SALT_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by a concurrent import a moment ago: read that one
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(SALT_BYTES) + "\n")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) < 16:
        raise BadInput(both("import.mapping.bad_salt", file=str(path)))
    return salt
