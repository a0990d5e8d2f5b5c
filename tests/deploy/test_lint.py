"""Linters over the Dockerfile and the manifests: yamllint, hadolint and checkov, with the
reviewed list of accepted findings (accepted-findings.yaml) and nothing else let through."""

import json

import yaml

from tests.deploy.conftest import HERE, K8S, ROOT, ops_tool, plain_files, run

ACCEPTED = yaml.safe_load((HERE / "accepted-findings.yaml").read_text())


def test_every_accepted_finding_gives_a_reason():
    for tool, findings in ACCEPTED.items():
        for check, reason in findings.items():
            assert isinstance(reason, str), f"{tool} {check}: no reason"
            assert len(reason.split()) >= 8, f"{tool} {check}: say why it is accepted"


def test_yaml_is_clean_in_strict_mode():
    yamllint = ops_tool("yamllint")
    result = run(
        [
            yamllint,
            "-s",
            "-c",
            ROOT / ".yamllint.yaml",
            K8S,
            ROOT / "monitoring",
            ROOT / "skaffold.yaml",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_yamllint_catches_a_duplicate_key(tmp_path):
    yamllint = ops_tool("yamllint")
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nkind: Secret\n")
    result = run([yamllint, "-s", "-c", ROOT / ".yamllint.yaml", broken])
    assert result.returncode != 0
    assert "duplication" in result.stdout


def _hadolint_rules(*extra) -> set[str]:
    hadolint = ops_tool("hadolint")
    result = run([hadolint, "--no-color", "-f", "json", *extra, ROOT / "Dockerfile"])
    return {finding["code"] for finding in json.loads(result.stdout or "[]")}


def test_hadolint_finds_nothing_beyond_the_accepted_findings():
    accepted = ACCEPTED["hadolint"]
    ignores = [arg for rule in accepted for arg in ("--ignore", rule)]
    assert _hadolint_rules(*ignores) == set()
    # A skip that no longer matches anything is stale: remove it from the list.
    assert _hadolint_rules() == set(accepted)


def _checkov(paths, framework: str) -> tuple[set[str], list[str]]:
    checkov = ops_tool("checkov")
    args = [checkov, "--framework", framework, "--skip-download", "--quiet", "--compact"]
    args += ["-o", "json"]
    for path in paths:
        args += ["-f", path]
    result = run(args, timeout=600)
    assert result.stdout.strip(), result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        check
        for report in reports
        if isinstance(report, dict) and "results" in report
        for check in report["results"]["failed_checks"]
    ]
    passed = sum(report["summary"]["passed"] for report in reports if isinstance(report, dict))
    assert passed > 0, "checkov checked nothing"
    found = {check["check_id"] for check in failed}
    details = [f"{c['check_id']} {c['check_name']} {c['resource']}" for c in failed]
    return found, details


def test_checkov_on_the_rendered_overlays_and_plain_files(rendered):
    found, details = _checkov([*rendered.values(), *plain_files()], "kubernetes")
    unexpected = sorted(found - set(ACCEPTED["checkov"]))
    assert not unexpected, "\n".join(d for d in details if d.split()[0] in unexpected)
    stale = set(ACCEPTED["checkov"]) - found
    assert not stale, f"accepted but no longer found (remove them): {sorted(stale)}"


def test_checkov_on_the_dockerfile():
    found, details = _checkov([ROOT / "Dockerfile"], "dockerfile")
    assert found == set(), "\n".join(details)


def test_checkov_catches_an_unsafe_pod(tmp_path):
    container = {"name": "app", "image": "busybox:1.36", "securityContext": {"privileged": True}}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "unsafe"},
        "spec": {"securityContext": {"runAsUser": 0}, "containers": [container]},
    }
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(pod))
    found, _ = _checkov([path], "kubernetes")
    assert {"CKV_K8S_16", "CKV_K8S_23"} <= found  # privileged; runs as root
