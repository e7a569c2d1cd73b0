"""Template context shared by every page."""


def zhili(request) -> dict:
    """Role flags for the navigation and the calendar warning for administrators."""
    return {}
