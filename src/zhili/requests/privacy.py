"""Masking of requesters' personal data (domain.md §5, PIPL: collect the minimum, mask by default)."""

import re

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str) -> str:
    """"13812345678" → "138****5678"; shorter numbers keep at most their first 2 and last 2 digits.

    Never returns more than 7 of the original digits; an empty input gives "".
    """
    digits = "".join(_DIGITS.findall(phone or ""))
    if not digits:
        return ""
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 country code before a mobile number
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 6:
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """"张三丰" → "张**"; "U00012" (a pseudonym) → "U0***2"; "" → ""."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if re.fullmatch(r"[\u4e00-\u9fff·]+", name):
        return name[0] + "*" * (len(name) - 1)
    keep = max(1, len(name) // 4)
    return name[: keep + 1] + "*" * (len(name) - keep - 2) + name[-1]


def normalise_phone(phone: str) -> str:
    """Keep only digits and a leading "+": what is stored. Returns "" for none."""
    phone = (phone or "").strip()
    digits = "".join(_DIGITS.findall(phone))
    return ("+" + digits) if phone.startswith("+") and digits else digits
