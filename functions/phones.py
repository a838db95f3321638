"""Phone numbers as WhatsApp and logins want them: one rule for every module.

Local numbers get the calling code of the business's country (Paramètres › Pays). A leading 0 is the
national trunk prefix only in some countries (France, Ghana, Nigeria…); in Côte d'Ivoire, since 2021,
the 0 is part of the ten-digit number and stays (``07 07 12 34 56`` → ``2250707123456``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

#: Country (ISO 3166 alpha-2) -> international calling code, for the markets TTR serves and neighbours.
CALLING_CODES = {"TG": "228", "CI": "225", "SN": "221", "BJ": "229", "BF": "226", "ML": "223", "NE": "227",
                 "CM": "237", "GA": "241", "CG": "242", "CD": "243", "GN": "224", "GH": "233", "NG": "234",
                 "MA": "212", "TN": "216", "DZ": "213", "FR": "33", "BE": "32", "CH": "41", "CA": "1", "US": "1"}
#: Countries where a leading 0 is a trunk prefix, not dialled from abroad.
TRUNK_ZERO = frozenset({"FR", "BE", "CH", "GH", "NG", "MA", "TN", "DZ"})
TRUNK_CODES = frozenset(CALLING_CODES[c] for c in TRUNK_ZERO)


def wa_number(raw: str, country: str) -> str:
    """The number as WhatsApp wants it (calling code and digits, no +); "" when it is not a phone number."""
    text = str(raw or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7:
        return ""
    if text.startswith("+"):
        return digits if len(digits) <= 15 else ""
    if digits.startswith("00"):
        return digits[2:] if len(digits) <= 17 else ""
    code = CALLING_CODES.get((country or "").upper(), "")
    if not code or (digits.startswith(code) and len(digits) >= len(code) + 8):
        return digits if len(digits) <= 15 else ""
    if (country or "").upper() in TRUNK_ZERO and digits.startswith("0"):
        digits = digits[1:]
    return code + digits if len(code + digits) <= 15 else ""


def wa_link(phone: str, text: str, country: str = "") -> str:
    """``https://wa.me/<digits>?text=…``; ``https://wa.me/?text=…`` without a usable phone."""
    return f"https://wa.me/{wa_number(phone, country)}?text={quote(text, safe='')}"
