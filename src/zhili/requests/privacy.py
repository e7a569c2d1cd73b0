"""Masking of requesters' personal data (domain.md §5, PIPL: collect the minimum, mask by default)."""

import re

from django.utils.translation import gettext

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
    """"张三丰" → "张**"; "Tom" → "T**"; "U00012" (a pseudonym) → "U0***2"; "" → "".

    Never shows more than the first character of a name of three characters or fewer.
    """
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) <= 3 or re.fullmatch(r"[\u4e00-\u9fff·]+", name):
        return name[0] + "*" * (len(name) - 1)
    keep = max(1, len(name) // 4)
    return name[: keep + 1] + "*" * (len(name) - keep - 2) + name[-1]


# A mobile number (with +86 and separators), and any other run of 7-18 digits (landlines, ID cards)
# not glued to a letter (an order number such as LX20261130-000123 is left as it is).
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1\d{2}[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LONG_NUMBER_IN_TEXT = re.compile(r"(?<![\dA-Za-z.])\d{7,17}[\dXx]?(?![\d.])")


def mask_text(text: str, requester_name: str = "") -> str:
    """``text`` (a title, a description) with the phone and ID numbers a caller or an operator wrote
    into it masked as ``mask_phone`` does ("联系我13912345678" → "联系我139****5678"), and the
    requester's own name (two characters or more) replaced by ``mask_name``. "" for None.

    Used wherever an order's text leaves the people who may see the requester's contact details:
    Open311, the native API, exports, reports, and the pages of users ``may_reveal`` refuses."""
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text or "")
    text = _LONG_NUMBER_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    name = (requester_name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, mask_name(name))
    return text


def normalise_phone(phone: str) -> str:
    """Keep only digits and a leading "+": what is stored. Returns "" for none."""
    phone = (phone or "").strip()
    digits = "".join(_DIGITS.findall(phone))
    return ("+" + digits) if phone.startswith("+") and digits else digits


class RevealRefused(Exception):
    """The user may not see this requester's contact details."""


def may_reveal(request, user) -> bool:
    """Who may see a requester's full phone (domain.md §5, JN 32):

    - hotline operators, dispatchers and administrators, for every order;
    - people of the lead unit (or a unit above it), unless the order is confidential — a
      confidential order hides the requester even from the handling unit.
    Supervisors and leaders work on figures, not on contact details.
    """
    from zhili.organisation.models import Unit
    from zhili.organisation.roles import Role, has_role
    from zhili.organisation.subtree import is_within, unit_paths

    if has_role(user, Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR):
        return True
    if request.confidential or request.lead_unit_id is None:
        return False
    if not has_role(user, Role.UNIT_HANDLER, Role.UNIT_LEADER):
        return False
    lead_path = Unit.objects.filter(pk=request.lead_unit_id).values_list("path", flat=True).first()
    return is_within(lead_path, unit_paths(user))


def reveal_phone(request, user, reason: str) -> str:
    """The requester's full phone number, logged as a RequesterReveal (who, when, why).

    Raises RevealRefused (message in the active language) when ``may_reveal`` says no or no reason is given.
    """
    from .models import RequesterReveal

    if not (reason or "").strip():
        raise RevealRefused(gettext("查看诉求人电话须填写用途"))
    if not may_reveal(request, user):
        raise RevealRefused(gettext("您无权查看该诉求人的联系方式"))
    RequesterReveal.objects.create(request=request, user=user, reason=reason.strip()[:200])
    return request.requester_phone
