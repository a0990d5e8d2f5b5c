"""Validates Kubernetes objects against the 1.32 schemas in strict mode.

Runs in the tools environment (.venv-ops, where kubernetes-validate is installed), called by
the deploy tests: ``.venv-ops/bin/python tests/deploy/k8s_validate.py FILE...`` prints one
JSON list of ``{"source", "kind", "name", "error"}``, error null when the object is valid.
Unknown kinds and removed API versions (SchemaNotFoundError) are errors, not warnings.
"""

import json
import sys

import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.32.0"


def validate(obj) -> str | None:
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = "/".join(str(part) for part in error.path)
        return f"{path}: {error.message}"
    except kubernetes_validate.SchemaNotFoundError:
        kind = f"{obj.get('apiVersion')} {obj.get('kind')}"
        return f"no schema for {kind} in Kubernetes {KUBERNETES_VERSION}"
    except kubernetes_validate.InvalidSchemaError as error:
        return f"invalid schema: {error}"
    return None


def main(paths: list[str]) -> None:
    report = []
    for path in paths:
        with open(path) as handle:
            for obj in yaml.safe_load_all(handle):
                if obj is None:
                    continue
                report.append(
                    {
                        "source": path,
                        "kind": obj.get("kind"),
                        "name": (obj.get("metadata") or {}).get("name"),
                        "error": validate(obj),
                    }
                )
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
