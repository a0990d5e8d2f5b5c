"""Every object we ship, valid for Kubernetes 1.32 in strict mode (unknown fields, unknown kinds
and removed API versions fail), and skaffold.yaml valid for skaffold/v4beta13, each profile
merged the way Skaffold merges it, rendered and validated."""

import copy

import pytest
import yaml

from tests.deploy.conftest import (
    HERE,
    K8S,
    ROOT,
    load_documents,
    ops_tool,
    plain_files,
    render,
    run,
    validate_kubernetes,
)

SKAFFOLD_SCHEMA = HERE / "skaffold-v4beta13.json"


def _assert_valid(report: list[dict]) -> None:
    assert report, "no objects were validated"
    errors = [f"{r['source']}: {r['kind']} {r['name']}: {r['error']}" for r in report if r["error"]]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("path", plain_files(), ids=lambda path: path.name)
def test_plain_file_is_valid_kubernetes_1_32(path):
    _assert_valid(validate_kubernetes(path))


def test_rendered_overlays_are_valid_kubernetes_1_32(rendered):
    _assert_valid(validate_kubernetes(*rendered.values()))


def test_generated_and_example_secrets_are_valid(generated_secret_file):
    _assert_valid(
        validate_kubernetes(generated_secret_file, K8S / "examples" / "db-secrets.example.yml")
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: old}\n", "no schema"),
        ("apiVersion: v1\nkind: Widget\nmetadata: {name: odd}\n", "no schema"),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
            "spec: {ports: [{port: 80}], selctor: {app: x}}\n",
            "selctor",
        ),
    ],
    ids=["removed-api", "unknown-kind", "unknown-field"],
)
def test_the_validator_refuses_what_a_cluster_would(tmp_path, document, expected):
    path = tmp_path / "object.yaml"
    path.write_text(document)
    (result,) = validate_kubernetes(path)
    assert result["error"] is not None
    assert expected in result["error"]


# --- skaffold.yaml ----------------------------------------------------------------------


def _check_jsonschema(path) -> None:
    tool = ops_tool("check-jsonschema")
    result = run([tool, "--schemafile", SKAFFOLD_SCHEMA, path])
    assert result.returncode == 0, result.stdout + result.stderr


def test_skaffold_yaml_matches_the_v4beta13_schema():
    _check_jsonschema(ROOT / "skaffold.yaml")


def test_the_schema_check_refuses_an_unknown_field(tmp_path):
    config = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    config["manifests"]["kustomise"] = config["manifests"].pop("kustomize")
    path = tmp_path / "skaffold.yaml"
    path.write_text(yaml.safe_dump(config))
    tool = ops_tool("check-jsonschema")
    assert run([tool, "--schemafile", SKAFFOLD_SCHEMA, path]).returncode != 0


def _merged(base, override):
    """Skaffold's profile merge: mappings merged key by key, lists and values replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merged(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def _json_pointer_parts(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def _apply_patches(config: dict, patches: list[dict]) -> dict:
    config = copy.deepcopy(config)
    for patch in patches:
        *parents, last = _json_pointer_parts(patch["path"])
        target = config
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if patch["op"] in {"add", "replace"}:
            if isinstance(target, list):
                index = len(target) if last == "-" else int(last)
                if patch["op"] == "add":
                    target.insert(index, patch["value"])
                else:
                    target[index] = patch["value"]
            else:
                target[last] = patch["value"]
        elif patch["op"] == "remove":
            del target[int(last) if isinstance(target, list) else last]
        else:
            raise AssertionError(f"unsupported patch op {patch['op']}")
    return config


def skaffold_profiles() -> dict[str, dict]:
    """The effective configuration of the default run and of each profile."""
    config = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    base = {key: value for key, value in config.items() if key != "profiles"}
    effective = {"default": base}
    for profile in config.get("profiles", []):
        body = {
            key: value
            for key, value in profile.items()
            if key not in {"name", "activation", "patches", "requiresAllActivations"}
        }
        merged = _merged(base, body)
        effective[profile["name"]] = _apply_patches(merged, profile.get("patches", []))
    return effective


PROFILES = skaffold_profiles()


def test_the_operators_profiles_exist():
    assert set(PROFILES) == {"default", "production"}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_profile_is_valid_rendered_and_validated(name, kubectl, tmp_path):
    config = PROFILES[name]
    path = tmp_path / "skaffold.yaml"
    path.write_text(yaml.safe_dump(config))
    _check_jsonschema(path)

    (artifact,) = config["build"]["artifacts"]
    assert artifact["image"] == "music-platform"
    assert (ROOT / artifact.get("context", ".") / artifact["docker"]["dockerfile"]).is_file()

    kustomize = config["manifests"]["kustomize"]
    objects = []
    for index, directory in enumerate(kustomize["paths"]):
        output = tmp_path / f"render-{index}.yaml"
        output.write_text(render(kubectl, ROOT / directory, kustomize.get("buildArgs", [])))
        _assert_valid(validate_kubernetes(output))
        objects += load_documents(output)
    images = {
        container["image"]
        for obj in objects
        if obj["kind"] in {"Deployment", "Job", "CronJob"}
        for container in _containers(obj)
    }
    # Skaffold replaces the artifact's name with the image it built.
    assert "music-platform" in images


def _containers(obj: dict) -> list[dict]:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod = spec["template"]["spec"]
    return pod.get("initContainers", []) + pod["containers"]


def test_the_profile_merge_replaces_lists_and_merges_mappings():
    base = {"manifests": {"kustomize": {"paths": ["a"], "buildArgs": ["x"]}}, "deploy": {"k": 1}}
    merged = _merged(base, {"manifests": {"kustomize": {"paths": ["b"]}}})
    assert merged == {
        "manifests": {"kustomize": {"paths": ["b"], "buildArgs": ["x"]}},
        "deploy": {"k": 1},
    }
    patched = _apply_patches(
        merged, [{"op": "add", "path": "/manifests/kustomize/paths/-", "value": "c"}]
    )
    assert patched["manifests"]["kustomize"]["paths"] == ["b", "c"]
