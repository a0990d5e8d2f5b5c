"""What the monitoring tests share: the files of monitoring/ and k8s/monitoring/, Debian's
promtool and prometheus (`make test` installs the package), and the dashboard's queries."""

import json
import re
import shutil
from pathlib import Path

import yaml

from tests.deploy.conftest import K8S, ROOT, missing_tool

MONITORING = ROOT / "monitoring"
PROMETHEUS_DIR = MONITORING / "prometheus"
RULES_FILE = PROMETHEUS_DIR / "rules" / "rubysound.rules.yml"
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
DASHBOARD_FILE = MONITORING / "grafana" / "rubysound-dashboard.json"
K8S_MONITORING = K8S / "monitoring"
# What Grafana puts in a query before Prometheus sees it, as the live test substitutes it.
TEMPLATE_VALUES = {"$__rate_interval": "1m", "$job": "rubysound", "$route": ".*"}


def prometheus_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_tool(
            f"{name} is missing: `make test` installs Debian's prometheus package "
            "(promtool comes with it)"
        )
    return path


def rules() -> dict:
    return yaml.safe_load(RULES_FILE.read_text())


def alert_rules() -> list[dict]:
    return [rule for group in rules()["groups"] for rule in group["rules"] if "alert" in rule]


def dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title and target, PromQL as Grafana sends it) for every target of every panel."""
    queries = []
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in TEMPLATE_VALUES.items():
                expr = expr.replace(variable, value)
            queries.append((f"{panel['title']} [{target['refId']}]", expr))
    return queries


_METRIC = re.compile(r"\b(rubysound_[a-z0-9_]+|django_[a-z0-9_]+|up)\b")


def metric_names(expr: str) -> set[str]:
    """The series names a query reads (ours, django-prometheus's, and up)."""
    return {name for name in _METRIC.findall(expr) if not name.endswith("_")}


def copy_prometheus_dir(destination: Path, token: str) -> Path:
    """monitoring/prometheus as an operator copies it, with the token file it expects."""
    shutil.copytree(PROMETHEUS_DIR, destination)
    secrets = destination / "secrets"
    secrets.mkdir()
    (secrets / "rubysound-metrics-token").write_text(token + "\n")
    return destination
