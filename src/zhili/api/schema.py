"""What the committed OpenAPI schema (docs/openapi.yaml) covers: the native API under /api/v1/
only — Open311 is specified by its own standard, and the schema and docs pages describe nothing."""


def only_native_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: keep the /api/v1/ endpoints except schema and docs."""
    return [(path, pattern, method, callback) for path, pattern, method, callback in endpoints
            if path.startswith("/api/v1/") and not path.startswith(("/api/v1/schema", "/api/v1/docs"))]
