"""Number formats of the assessment pages and reports: rates as "95.3%", scores as "92.15",
changes as "+12.5%"; no data as "—" (never "0%")."""

NO_DATA = "—"


def pct(value, digits: int = 1) -> str:
    """A fraction 0–1 as a percentage."""
    if value is None or value == "":
        return NO_DATA
    return f"{float(value) * 100:.{digits}f}%"


def points(value) -> str:
    """A composite score (fraction 0–1) as points out of 100."""
    if value is None or value == "":
        return NO_DATA
    return f"{float(value) * 100:.2f}"


def change(current, previous) -> str:
    """The change from ``previous`` to ``current`` as "+12.5%" (— when there was nothing before)."""
    if not previous:
        return NO_DATA
    return f"{(current - previous) / previous * 100:+.1f}%"
