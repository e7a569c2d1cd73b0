"""Checks of raw input that every interface (Open311, the native API, list filters, file imports)
makes before its own parsing.

Dates: a date given from outside (a filter, an imported row, an Open311 parameter) must fall in
``PLAUSIBLE_YEARS`` (1900–2100). Others are typing errors, and year 1 or 9999 overflow the
time-zone and working-day arithmetic (a server error). Assessment periods have their own,
narrower range (``zhili.assessment.periods``).

A NUL character (``\\x00``) is valid in a URL-encoded form, a query string and a JSON string, but
PostgreSQL refuses it in text: a lookup or an insert would fail as a server error (SQLite would
store it). No field of Zhili may hold one, so the interfaces refuse it up front, naming the field.
"""

from collections.abc import Mapping

NUL = "\x00"
PLAUSIBLE_YEARS = range(1900, 2101)


def fields_with_nul(data, prefix: str = "") -> list[str]:
    """The names of the fields whose name or value contains a NUL, in input order.

    ``data``: a QueryDict (every value of a repeated key is checked), a dict or list parsed from
    JSON (nested: ``parts[0].title``), or a scalar. Returns [] when there is none.
    """
    found: list[str] = []
    if isinstance(data, Mapping):
        items = data.lists() if hasattr(data, "lists") else data.items()
        for key, value in items:
            name = f"{prefix}.{key}" if prefix else str(key)
            if NUL in str(key):
                found.append(name)
            else:
                found.extend(fields_with_nul(value, name))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            # A repeated form key (a QueryDict's list) is one field; a JSON list has numbered items.
            found.extend(fields_with_nul(value, prefix if _is_plain(data) else f"{prefix}[{index}]"))
    elif isinstance(data, str) and NUL in data:
        found.append(prefix)
    return list(dict.fromkeys(found))


def _is_plain(values) -> bool:
    return all(isinstance(v, str | int | float | bool) or v is None for v in values)


def printable_name(name: str) -> str:
    """A field name fit for an error message (a NUL in the name itself shown as ``\\x00``)."""
    return name.replace(NUL, "\\x00") or "?"
