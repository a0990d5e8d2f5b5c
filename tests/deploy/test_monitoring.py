"""The monitoring files an operator applies (monitoring/, k8s/monitoring/): Prometheus's
configuration and rules as promtool reads them, every alert's unit tests, the Operator and
Grafana objects equal to the plain files they are made from, and each alert's runbook in the
README."""

import json
import re
import sys

import pytest
import yaml

from tests.deploy.conftest import (
    K8S,
    ROOT,
    by_kind,
    load_documents,
    pod_labels,
    run,
    validate_kubernetes,
)
from tests.deploy.monitoring import (
    DASHBOARD_FILE,
    K8S_MONITORING,
    PROMETHEUS_DIR,
    RULE_TESTS,
    RULES_FILE,
    alert_rules,
    copy_prometheus_dir,
    dashboard,
    dashboard_queries,
    metric_names,
    prometheus_tool,
    rules,
)

ALERTS = {
    "RubySoundBackupNotVerified",
    "RubySoundBackupVerificationFailed",
    "RubySoundHighErrorRatio",
    "RubySoundSlowResponses",
    "RubySoundNotReady",
    "RubySoundProviderCircuitOpen",
    "RubySoundScrobbleOutboxStuck",
}
NO_KUBERNETES_SD = "field kubernetes_sd_configs not found"


def test_the_alerts_the_issue_asks_for_each_with_severity_and_runbook():
    by_name = {rule["alert"]: rule for rule in alert_rules()}
    assert set(by_name) == ALERTS
    for name, rule in by_name.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), name


def _readme_anchors() -> set[str]:
    """GitHub's anchors of the README's headings."""
    anchors = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if match := re.match(r"^#+ (.+)$", line):
            text = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def test_every_runbook_url_points_at_a_readme_section():
    anchors = _readme_anchors()
    for rule in alert_rules():
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert page == "README.md", rule["alert"]
        assert anchor in anchors, f"{rule['alert']}: README has no heading for #{anchor}"


def test_promtool_checks_the_rules():
    promtool = prometheus_tool("promtool")
    result = run([promtool, "check", "rules", RULES_FILE])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_promtool_unit_tests_cover_every_alert_firing_and_not_firing():
    promtool = prometheus_tool("promtool")
    firing, quiet = set(), set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    assert firing == ALERTS, f"never seen firing: {ALERTS - firing}"
    assert quiet == ALERTS, f"never seen quiet: {ALERTS - quiet}"
    result = run([promtool, "test", "rules", *RULE_TESTS], cwd=RULE_TESTS[0].parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_unit_tests_fail_when_a_rule_loses_its_point(tmp_path):
    """Thresholds and exclusions the unit tests hold: loosen them and promtool says so."""
    promtool = prometheus_tool("promtool")
    copy = copy_prometheus_dir(tmp_path / "prometheus", "scrape-token")
    rules_file = copy / "rules" / RULES_FILE.name
    text = rules_file.read_text()
    loosened = text.replace(', view!~"health.*|metrics"', "").replace("> 3600", "> 7200")
    assert loosened != text
    rules_file.write_text(loosened)
    result = run([promtool, "test", "rules", *(copy / "tests").glob("*.yml")], cwd=copy)
    assert result.returncode != 0
    failures = result.stdout + result.stderr
    for alert in ("HighErrorRatio", "SlowResponses", "ScrobbleOutboxStuck"):
        assert f"alertname: RubySound{alert}" in failures, failures


def test_promtool_checks_the_single_host_configuration(tmp_path):
    promtool = prometheus_tool("promtool")
    copy = copy_prometheus_dir(tmp_path / "prometheus", "scrape-token")
    result = run([promtool, "check", "config", copy / "prometheus-single-host.yml"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


def test_promtool_checks_the_cluster_configuration(tmp_path, plain_objects):
    """Debian's Prometheus is built without Kubernetes discovery: where promtool refuses the
    block for that reason, the rest is checked with a static target in its place, and the
    block itself against the manifests (the labels and port name it keeps are the pods')."""
    promtool = prometheus_tool("promtool")
    copy = copy_prometheus_dir(tmp_path / "prometheus", "scrape-token")
    config_path = copy / "prometheus.yml"
    result = run([promtool, "check", "config", config_path])
    config = yaml.safe_load(config_path.read_text())
    (job,) = config["scrape_configs"]
    if NO_KUBERNETES_SD in result.stdout + result.stderr:
        (discovery,) = job.pop("kubernetes_sd_configs")
        assert set(discovery) <= {"role", "namespaces", "selectors", "attach_metadata"}
        assert discovery["role"] == "pod"
        job["static_configs"] = [{"targets": ["127.0.0.1:8000"]}]
        config_path.write_text(yaml.safe_dump(config))
        result = run([promtool, "check", "config", config_path])
    assert result.returncode == 0, result.stdout + result.stderr

    deployment = by_kind(plain_objects, "Deployment")["django-app"]
    labels = pod_labels(deployment)
    ports = {
        p["name"]
        for c in deployment["spec"]["template"]["spec"]["containers"]
        for p in c.get("ports", [])
    }
    prefix = "__meta_kubernetes_pod_label_"
    keeps = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    for relabel in keeps:
        values = []
        for source in relabel["source_labels"]:
            if source.startswith(prefix):
                values.append(
                    next(
                        value
                        for name, value in labels.items()
                        if re.sub(r"[^a-zA-Z0-9_]", "_", name) == source[len(prefix) :]
                    )
                )
            else:
                assert source == "__meta_kubernetes_pod_container_port_name"
                values.append(relabel["regex"] if relabel["regex"] in ports else "no such port")
        assert re.fullmatch(relabel["regex"], ";".join(values)), relabel
    assert job["authorization"]["credentials_file"] == "secrets/rubysound-metrics-token"


def test_the_prometheus_rule_holds_the_plain_rules_file_as_it_is():
    (rule,) = load_documents(K8S_MONITORING / "prometheusrule.yaml")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == rules()["groups"]
    # Byte for byte: the groups block of the rules file, indented under spec.
    groups_text = RULES_FILE.read_text().split("\ngroups:\n", 1)[1]
    indented = "".join(
        "  " + line if line.strip() else line for line in groups_text.splitlines(True)
    )
    assert (K8S_MONITORING / "prometheusrule.yaml").read_text().endswith(indented)


def test_the_grafana_config_map_holds_the_dashboard_json_as_it_is():
    (config_map,) = load_documents(K8S_MONITORING / "grafana-dashboard.yaml")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = config_map["data"].values()
    assert text == DASHBOARD_FILE.read_text()
    assert json.loads(text) == dashboard()


def test_the_generated_manifests_are_up_to_date():
    result = run([sys.executable, ROOT / "scripts" / "monitoring_manifests.py", "--check"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_grafana_config_map_is_valid_kubernetes_1_32():
    report = validate_kubernetes(K8S_MONITORING / "grafana-dashboard.yaml")
    assert report
    assert not [r for r in report if r["error"]], report


def test_the_service_monitor_scrapes_the_apps_service_with_the_metrics_token(plain_objects):
    (monitor,) = load_documents(K8S_MONITORING / "servicemonitor.yaml")
    assert monitor["kind"] == "ServiceMonitor"
    service = by_kind(plain_objects, "Service")["django-service"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    # job="rubysound", as the rules and the dashboard select.
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "rubysound"
    credentials = endpoint["authorization"]["credentials"]
    deployment = by_kind(plain_objects, "Deployment")["django-app"]
    (app,) = [
        c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "django"
    ]
    token = next(e for e in app["env"] if e["name"] == "METRICS_TOKEN")
    assert token["valueFrom"]["secretKeyRef"] == {
        "name": credentials["name"],
        "key": credentials["key"],
    }


def test_the_monitoring_kustomization_lists_every_file_and_stays_out_of_the_overlays():
    kustomization = yaml.safe_load((K8S_MONITORING / "kustomization.yaml").read_text())
    files = {p.name for p in K8S_MONITORING.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    for overlay in (K8S / "overlays").iterdir():
        text = (overlay / "kustomization.yaml").read_text()
        assert "monitoring" not in text, overlay


def test_every_dashboard_panel_has_a_query_on_series_we_expose():
    queries = dashboard_queries()
    assert len(queries) >= 20
    for title, expr in queries:
        assert "$" not in expr, f"{title}: unknown template variable in {expr}"
        assert metric_names(expr), f"{title}: reads no series of ours"
    titles = " ".join(panel["title"] for panel in dashboard()["panels"]).lower()
    for subject in (
        "route",
        "5xx",
        "edge-cache",
        "database",
        "cache",
        "websocket",
        "provider",
        "circuit",
        "backup",
        "library",
        "scrobble",
    ):
        assert subject in titles, subject


@pytest.mark.parametrize("name", ["prometheus.yml", "prometheus-single-host.yml"])
def test_the_scrape_job_is_named_as_the_rules_select(name):
    path = PROMETHEUS_DIR / name
    config = yaml.safe_load(path.read_text())
    assert [job["job_name"] for job in config["scrape_configs"]] == ["rubysound"]
    assert 'job="rubysound"' in RULES_FILE.read_text()
