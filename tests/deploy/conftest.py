"""What the deployment tests share: the manifests as files and as kustomize renders them, the
tools environment (.venv-ops, installed by `make test`), and a freshly generated secret."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy import podman

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = {"dev": K8S / "overlays" / "dev", "production": K8S / "overlays" / "production"}
# The tools environment; another folder only to see how the tests behave without it.
OPS_BIN = Path(os.environ.get("RUBYSOUND_OPS_VENV", ROOT / ".venv-ops")) / "bin"
HERE = Path(__file__).resolve().parent
KUSTOMIZE_ARGS = ["--load-restrictor", "LoadRestrictionsNone"]
MIN_KUBECTL = (1, 27)
# Plain files `kubectl apply -f k8s/` reads; db-secrets.yml is generated (see generated_secret).
GENERATED = {"db-secrets.yml"}


def plain_files() -> list[Path]:
    return sorted(
        path
        for path in K8S.iterdir()
        if path.suffix in {".yml", ".yaml"} and path.name not in GENERATED
    )


def load_documents(path_or_text) -> list[dict]:
    text = path_or_text.read_text() if isinstance(path_or_text, Path) else path_or_text
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


# CI sets it (.ci/run): there a missing tool fails the run instead of skipping its checks.
TOOLS_REQUIRED_VARIABLE = "RUBYSOUND_DEPLOY_TOOLS_REQUIRED"


def tools_required() -> bool:
    return os.environ.get(TOOLS_REQUIRED_VARIABLE, "").lower() in {"1", "true", "yes"}


def missing_tool(message: str) -> None:
    """A check that cannot run here: skipped with a message naming what is missing (never a
    silent pass), or failed where the tools are required."""
    if tools_required():
        pytest.fail(f"{message} ({TOOLS_REQUIRED_VARIABLE} is set: every deploy check must run)")
    pytest.skip(message)


def require_podman() -> None:
    """Podman, and debootstrap where the stand-in base images are still to be made."""
    if shutil.which("podman") is None:
        missing_tool(
            "podman is missing: `make test` installs it with apt-get (as root); elsewhere "
            "install podman and debootstrap to build and run the image"
        )
    missing = podman.missing_standin_images()
    if missing and shutil.which("debootstrap") is None:
        missing_tool(
            f"debootstrap is missing, needed once to make the stand-in base images {missing}: "
            "`make test` installs it with apt-get (as root)"
        )


def ops_tool(name: str) -> Path:
    path = OPS_BIN / name
    if not path.exists():
        missing_tool(
            f"{path} is missing: `make test` installs the deployment tools from "
            "requirements-ops.lock into .venv-ops"
        )
    return path


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the tools we ship, with our own arguments
        [str(arg) for arg in args], capture_output=True, text=True, check=False, **kwargs
    )


def kubectl_version(path: str) -> tuple[int, int] | None:
    """(major, minor) of the kubectl client at path, None when it does not say."""
    result = run([path, "version", "--client", "-o", "json"])
    try:
        version = json.loads(result.stdout)["clientVersion"]
        return int(version["major"]), int(re.sub(r"\D.*", "", version["minor"]))
    except (ValueError, KeyError, TypeError):
        return None


@pytest.fixture(scope="session")
def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        missing_tool("kubectl is missing: install kubectl 1.27 or newer to render the overlays")
    found = kubectl_version(path)
    if found is None:
        missing_tool(
            f"`{path} version --client -o json` gave no version: install kubectl 1.27 or newer "
            "to render the overlays"
        )
    if found < MIN_KUBECTL:
        missing_tool(
            f"kubectl {found[0]}.{found[1]} at {path} is too old for the overlays (its kustomize "
            "lacks patches with targets): install kubectl 1.27 or newer"
        )
    return path


def render(kubectl: str, directory: Path, extra_args=()) -> str:
    result = run([kubectl, "kustomize", *extra_args, directory])
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def rendered(kubectl, tmp_path_factory) -> dict[str, Path]:
    """Each overlay rendered by kubectl's kustomize, as a file."""
    folder = tmp_path_factory.mktemp("rendered")
    files = {}
    for name, directory in OVERLAYS.items():
        files[name] = folder / f"{name}.yaml"
        files[name].write_text(render(kubectl, directory, KUSTOMIZE_ARGS))
    return files


@pytest.fixture(scope="session")
def rendered_objects(rendered) -> dict[str, list[dict]]:
    return {name: load_documents(path) for name, path in rendered.items()}


@pytest.fixture(scope="session")
def plain_objects() -> list[dict]:
    return [doc for path in plain_files() for doc in load_documents(path)]


@pytest.fixture(scope="session")
def generated_secret_file(tmp_path_factory) -> Path:
    """k8s/db-secrets.yml as `make k8s-secrets` writes it, into a scratch folder."""
    output = tmp_path_factory.mktemp("secrets") / "db-secrets.yml"
    result = run([sys.executable, ROOT / "scripts" / "k8s_secrets.py", "--output", output])
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="session")
def generated_secret(generated_secret_file) -> dict:
    (secret,) = load_documents(generated_secret_file)
    return secret


def validate_kubernetes(*paths: Path) -> list[dict]:
    """Strict Kubernetes 1.32 validation of every object in the files (see k8s_validate.py)."""
    python = ops_tool("python")
    result = run([python, HERE / "k8s_validate.py", *paths])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_spec(obj: dict) -> dict | None:
    if obj["kind"] in {"Deployment", "StatefulSet", "Job"}:
        return obj["spec"]["template"]["spec"]
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def pod_labels(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return obj["spec"]["template"]["metadata"]["labels"]


def workloads(objects: list[dict]) -> list[dict]:
    return [obj for obj in objects if pod_spec(obj) is not None]


def selects(selector: dict, labels: dict) -> bool:
    """Kubernetes' label selection: a Service's plain map, or matchLabels/matchExpressions."""
    if "matchLabels" in selector or "matchExpressions" in selector:
        match_labels = selector.get("matchLabels", {})
        expressions = selector.get("matchExpressions", [])
    else:
        match_labels, expressions = selector, []
    matched = all(labels.get(key) == value for key, value in match_labels.items())
    return matched and _selects_expressions(expressions, labels)


def _selects_expressions(expressions: list[dict], labels: dict) -> bool:
    for expression in expressions:
        value, operator = labels.get(expression["key"]), expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression["values"]:
            return False
        if operator == "Exists" and value is None:
            return False
    return True
