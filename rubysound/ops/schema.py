"""OpenAPI for the health routes, which are plain async views outside DRF (kept lean)."""

_CHECK = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "detail": {"type": "string"},
        "critical": {"type": "boolean"},
        "latency_ms": {"type": "number"},
    },
    "required": ["ok", "detail"],
}
_LIVE = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok"]},
        "service": {"type": "string"},
        "check": {"type": "string", "enum": ["live"]},
    },
    "required": ["status", "service", "check"],
}
_READY = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "service": {"type": "string"},
        "check": {"type": "string", "enum": ["ready"]},
        "critical_checks": {"type": "array", "items": {"type": "string"}},
        "checks": {"type": "object", "additionalProperties": _CHECK},
    },
    "required": ["status", "check", "critical_checks", "checks"],
}


def _get(operation_id: str, summary: str, responses: dict) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["health"],
            "security": [{}],
            "responses": {
                str(code): {
                    "description": description,
                    "content": {"application/json": {"schema": schema}},
                }
                for code, (description, schema) in responses.items()
            },
        }
    }


def add_health_paths(result, generator, request, public):
    ready = _get(
        "health_ready",
        "Readiness: database, cache and channel layer answer",
        {200: ("Ready", _READY), 503: ("A critical dependency is down", _READY)},
    )
    result.setdefault("paths", {}).update(
        {
            "/health/live": _get(
                "health_live", "Liveness: the process answers", {200: ("Alive", _LIVE)}
            ),
            "/health/ready": ready,
            "/health/": {"get": {**ready["get"], "operationId": "health_ready_alias"}},
        }
    )
    return result
