"""What the committed OpenAPI schema (docs/openapi.yaml) covers: the native API under /api/v1/
only — Open311 is specified by its own standard, and the schema and docs pages describe nothing."""


def only_native_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: keep the /api/v1/ endpoints except schema and docs."""
    return [(path, pattern, method, callback) for path, pattern, method, callback in endpoints
            if path.startswith("/api/v1/") and not path.startswith(("/api/v1/schema", "/api/v1/docs"))]


# Integer limits that come from the database backend (Django's integer_field_range), not from us:
# SQLite's are 64-bit for every integer field, PostgreSQL's follow the column type.
_BACKEND_LIMITS = {9223372036854775807, 2147483647, 32767}


def vendor_neutral(result, **kwargs):
    """drf-spectacular postprocessing hook: drop the database-dependent ``maximum`` (and the
    ``int64`` format it implies) of model integers, so the schema is the same on SQLite and
    PostgreSQL and one committed file can be checked on both."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for prop in component.get("properties", {}).values():
            if prop.get("type") == "integer" and prop.get("maximum") in _BACKEND_LIMITS:
                prop.pop("maximum")
                if prop.get("format") == "int64":
                    prop.pop("format")
    return result
