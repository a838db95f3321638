"""Password hashes (argon2id), keyed PIN hashes, and phone numbers in one canonical form."""

from __future__ import annotations

import hashlib
import hmac
import re

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from functions.errors import InvalidInputError

MIN_PASSWORD = 8
MAX_PASSWORD = 200
DEFAULT_COUNTRY_CODE = "228"  # Togo

#: argon2id with the library's RFC 9106 "low memory" defaults; tests may swap in a cheaper hasher.
HASHER = PasswordHasher(type=Type.ID)
_DUMMY: list[str] = []


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"Le mot de passe doit contenir au moins {MIN_PASSWORD} caractères.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInputError(f"Le mot de passe ne peut pas dépasser {MAX_PASSWORD} caractères.")
    return password


def hash_password(password: str) -> str:
    return HASHER.hash(check_password(password))


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; with no stored hash, spends the same time and fails
    (so a login for an unknown account is not faster than one for a known account)."""
    if not stored:
        if not _DUMMY:
            _DUMMY.append(HASHER.hash("mot-de-passe-factice"))
        stored, password = _DUMMY[0], (password or "") + "\x00"
    try:
        return HASHER.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- PIN ---------------------------------------------------------------------------------------------------
_PIN = re.compile(r"^[0-9]{4}$")
_COMMON_PINS = frozenset({"2580", "0852", "1004", "1313", "6969", "4321", "1122", "2000", "1990", "2001"})


def check_pin(pin: str) -> str:
    """A 4-digit PIN that is not trivial (0000, 1234, 1111, 1212, 9876…)."""
    pin = (pin or "").strip()
    if not _PIN.match(pin):
        raise InvalidInputError("Le code PIN doit contenir exactement 4 chiffres.")
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    if (len(steps) == 1 and steps <= {-1, 0, 1}) or pin[:2] == pin[2:] or pin in _COMMON_PINS \
            or (pin[0] == pin[1] and pin[2] == pin[3]):
        raise InvalidInputError("Ce code PIN est trop facile à deviner (0000, 1234, 1212…). Choisissez-en un autre.")
    return pin


def pin_hash(key: bytes, user_id: str, device: str, pin: str) -> str:
    """Keyed hash of a PIN, bound to one user and one device: useless without the secret key."""
    msg = f"pin\x00{user_id}\x00{device}\x00{pin}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


# -- phone numbers -------------------------------------------------------------------------------------------
def normalize_phone(raw: str, default_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """``90 11 22 33`` → ``+22890112233``; ``00228…`` and ``+228 …`` too. Refuses what is not a number."""
    text = re.sub(r"[\s.\-()/]", "", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        if text.startswith(default_code) and len(text) >= len(default_code) + 8:
            text = "+" + text
        else:
            from functions.phones import TRUNK_CODES

            # A leading 0 is a trunk prefix only in some countries; in Côte d'Ivoire it is part of the number.
            local = text[1:] if text.startswith("0") and default_code in TRUNK_CODES else text
            text = f"+{default_code}{local}" if len(local) >= 8 else ""
    if not re.fullmatch(r"\+[1-9][0-9]{7,14}", text):
        raise InvalidInputError("Numéro de téléphone invalide : indiquez l'indicatif du pays, ex. +228 90 11 22 33.")
    return text


def normalize_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}", email) or len(email) > 200:
        raise InvalidInputError("Adresse email invalide.")
    return email


def digest(text: str) -> str:
    """A state-store key for a value that must not appear in clear (email, token)."""
    return hashlib.sha256(text.encode()).hexdigest()
