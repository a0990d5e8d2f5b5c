"""On a machine without the deployment tools (kubectl 1.27 or newer, the .venv-ops tools,
podman, apt-get) every check that needs one is skipped with a message naming it, never
passed; where RUBYSOUND_DEPLOY_TOOLS_REQUIRED is set (CI) the same absence fails the run.

The deploy tests run again here, in a child pytest, on a PATH without the tools."""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.conftest import ROOT, TOOLS_REQUIRED_VARIABLE, missing_tool

THIS_FILE = Path(__file__).relative_to(ROOT)
ON_POSTGRES_AND_REDIS = bool(settings.REDIS_URL) and "postgresql" in str(
    settings.DATABASES["default"]["ENGINE"]
)
OLD_KUBECTL = """#!/bin/sh
echo '{"clientVersion": {"major": "1", "minor": "20", "gitVersion": "v1.20.15"}}'
"""


def _bin_folder(tmp_path: Path, **scripts: str) -> Path:
    """A PATH of its own: git (the cross-checks ask it what is ignored) and the scripts."""
    folder = tmp_path / "bin"
    folder.mkdir()
    git = shutil.which("git")
    assert git, "git is needed by the cross-checks"
    (folder / "git").symlink_to(git)
    for name, body in scripts.items():
        (folder / name).write_text(body)
        (folder / name).chmod(0o755)
    return folder


def _outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """test id -> (passed|skipped|failed|error, message) from pytest's JUnit XML."""
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 - our own report
        test_id = f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
        outcome, message = "passed", ""
        for kind in ("skipped", "failure", "error"):
            element = case.find(kind)
            if element is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
                message = f"{element.get('message', '')} {element.text or ''}"
        outcomes[test_id] = (outcome, message)
    return outcomes


def _child_pytest(tmp_path: Path, bin_folder: Path, *selection: str, required: bool = False):
    env = {key: value for key, value in os.environ.items() if key != TOOLS_REQUIRED_VARIABLE}
    env["PATH"] = str(bin_folder)
    env["RUBYSOUND_OPS_VENV"] = str(tmp_path / "no-ops-venv")
    if required:
        env[TOOLS_REQUIRED_VARIABLE] = "1"
    report = tmp_path / "report.xml"
    result = subprocess.run(  # noqa: S603 - pytest on our own tests
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *selection,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return result, _outcomes(report)


def test_without_the_tools_every_check_that_needs_one_is_skipped_and_says_why(tmp_path):
    bin_folder = _bin_folder(tmp_path, kubectl=OLD_KUBECTL)
    result, outcomes = _child_pytest(
        tmp_path, bin_folder, "tests/deploy", "--ignore", str(THIS_FILE)
    )
    output = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert not [t for t, (outcome, _) in outcomes.items() if outcome in {"failed", "error"}]

    too_old_kubectl = "kubectl 1.20"
    no_ops_tools = "no-ops-venv/bin/"
    no_podman = "podman is missing" if ON_POSTGRES_AND_REDIS else "PostgreSQL and Redis"
    no_promtool = "promtool is missing: `make test` installs Debian's prometheus package"
    expected = {
        # kubectl 1.20 cannot render the overlays
        "test_schemas::test_rendered_overlays_are_valid_kubernetes_1_32": too_old_kubectl,
        "test_schemas::test_each_profile_is_valid_rendered_and_validated[production]": (
            too_old_kubectl
        ),
        "test_lint::test_checkov_on_the_rendered_overlays_and_plain_files": too_old_kubectl,
        "test_cross_checks::test_the_web_pods_backup_dir_is_the_cronjobs_volume_in_production": (
            too_old_kubectl
        ),
        "test_cross_checks::test_every_claim_mounted_is_applied_by_hand_beforehand": (
            too_old_kubectl
        ),
        # the linters and validators of .venv-ops
        "test_schemas::test_plain_file_is_valid_kubernetes_1_32[django.yaml]": no_ops_tools,
        "test_schemas::test_skaffold_yaml_matches_the_v4beta13_schema": no_ops_tools,
        "test_lint::test_yaml_is_clean_in_strict_mode": no_ops_tools,
        "test_lint::test_hadolint_finds_nothing_beyond_the_accepted_findings": no_ops_tools,
        "test_lint::test_checkov_on_the_dockerfile": no_ops_tools,
        # the image, with podman
        "test_image::test_it_runs_as_uid_10001_on_a_read_only_root": no_podman,
        "test_image::test_sigterm_under_load_fails_no_request": no_podman,
        # the production overlay as pods, with podman
        "test_pods::test_the_init_container_holds_the_app_until_postgres_answers": no_podman,
        "test_pods::test_what_podman_cannot_honour_is_listed_and_the_readme_says_so": no_podman,
        # Debian's prometheus package
        "test_monitoring::test_promtool_checks_the_rules": no_promtool,
        "test_monitoring::test_promtool_unit_tests_cover_every_alert_firing_and_not_firing": (
            no_promtool
        ),
        "test_monitoring::test_promtool_checks_the_cluster_configuration": no_promtool,
        "test_monitoring::test_the_grafana_config_map_is_valid_kubernetes_1_32": no_ops_tools,
        "test_monitoring_live::test_every_dashboard_query_returns_data": no_promtool,
    }
    for test_id, reason in expected.items():
        assert test_id in outcomes, f"{test_id} was not run: rename it here too"
        outcome, message = outcomes[test_id]
        assert outcome == "skipped", (test_id, outcome)
        assert reason in message, (test_id, message)
    # Every skip names what is missing.
    reasons = (too_old_kubectl, no_ops_tools, no_podman, no_promtool)
    for test_id, (outcome, message) in outcomes.items():
        if outcome == "skipped":
            assert any(reason in message for reason in reasons), (test_id, message)
    # What needs no tool still runs and passes on its own.
    for test_id in (
        "test_cross_checks::test_a_claim_several_pods_mount_at_once_is_read_write_many",
        "test_cross_checks::test_every_http_probe_reaches_our_health_views",
        "test_lint::test_every_accepted_finding_gives_a_reason",
        "test_monitoring::test_the_prometheus_rule_holds_the_plain_rules_file_as_it_is",
    ):
        assert outcomes[test_id][0] == "passed", test_id
    assert "skipped" in result.stdout


def test_where_the_tools_are_required_their_absence_fails(tmp_path):
    bin_folder = _bin_folder(tmp_path)  # no kubectl at all
    selection = [
        "tests/deploy/test_schemas.py::test_rendered_overlays_are_valid_kubernetes_1_32",
        "tests/deploy/test_lint.py::test_yaml_is_clean_in_strict_mode",
        "tests/deploy/test_monitoring.py::test_promtool_checks_the_rules",
    ]
    if ON_POSTGRES_AND_REDIS:
        selection.append(
            "tests/deploy/test_image.py::test_it_runs_as_uid_10001_on_a_read_only_root"
        )
    result, outcomes = _child_pytest(tmp_path, bin_folder, *selection, required=True)
    assert result.returncode == 1, result.stdout[-3000:]
    expected = {
        "test_schemas::test_rendered_overlays_are_valid_kubernetes_1_32": "kubectl is missing",
        "test_lint::test_yaml_is_clean_in_strict_mode": "no-ops-venv/bin/yamllint is missing",
        "test_monitoring::test_promtool_checks_the_rules": "promtool is missing",
        "test_image::test_it_runs_as_uid_10001_on_a_read_only_root": "podman is missing",
    }
    for test_id, reason in expected.items():
        if test_id not in outcomes and test_id.startswith("test_image"):
            continue  # the image test needs PostgreSQL and Redis before any tool
        outcome, message = outcomes[test_id]
        assert outcome in {"failed", "error"}, (test_id, outcome)
        assert reason in message, (test_id, message)
        assert TOOLS_REQUIRED_VARIABLE in message, (test_id, message)


# --- make test without apt-get ------------------------------------------------------------


def _make_podman(
    tmp_path: Path, bin_folder: Path, variable: str = "PODMAN"
) -> subprocess.CompletedProcess:
    """`make test`'s rule for podman (or another tool's), aimed at a file that does not
    exist."""
    make = shutil.which("make")
    if make is None:
        missing_tool("make is missing: `make test` needs GNU make")
    target = tmp_path / variable.lower()
    return subprocess.run(  # noqa: S603 - our Makefile
        [make, "--no-print-directory", "-C", ROOT, f"{variable}={target}", str(target)],
        env={"PATH": str(bin_folder)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _recording_apt_get(log: Path) -> str:
    return f'#!/bin/sh\necho "$@" >> {log}\n'


def test_make_test_goes_on_without_apt_get_and_says_the_smoke_test_is_skipped(tmp_path):
    result = _make_podman(tmp_path, _bin_folder(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no apt-get" in result.stdout
    assert "smoke test will be skipped" in result.stdout


def test_make_test_installs_nothing_when_apt_get_would_need_root(tmp_path):
    log = tmp_path / "apt-get.log"
    bin_folder = _bin_folder(
        tmp_path, **{"apt-get": _recording_apt_get(log), "id": "#!/bin/sh\necho 1000\n"}
    )
    result = _make_podman(tmp_path, bin_folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "needs root" in result.stdout
    assert not log.exists()


def test_make_test_installs_podman_and_debootstrap_with_apt_get_as_root(tmp_path):
    log = tmp_path / "apt-get.log"
    bin_folder = _bin_folder(
        tmp_path, **{"apt-get": _recording_apt_get(log), "id": "#!/bin/sh\necho 0\n"}
    )
    result = _make_podman(tmp_path, bin_folder)
    assert result.returncode == 0, result.stdout + result.stderr
    update, install = log.read_text().splitlines()
    assert update.startswith("update")
    assert install.startswith("install")
    assert {"podman", "debootstrap", "crun", "uidmap"} <= set(install.split())


def test_make_test_goes_on_without_apt_get_and_says_the_monitoring_checks_are_skipped(tmp_path):
    result = _make_podman(tmp_path, _bin_folder(tmp_path), "PROMETHEUS")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no apt-get" in result.stdout
    assert "monitoring checks will be skipped" in result.stdout


def test_make_test_installs_no_prometheus_when_apt_get_would_need_root(tmp_path):
    log = tmp_path / "apt-get.log"
    bin_folder = _bin_folder(
        tmp_path, **{"apt-get": _recording_apt_get(log), "id": "#!/bin/sh\necho 1000\n"}
    )
    result = _make_podman(tmp_path, bin_folder, "PROMETHEUS")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "needs root" in result.stdout
    assert not log.exists()


def test_make_test_installs_prometheus_with_apt_get_as_root_and_stops_its_service(tmp_path):
    log = tmp_path / "apt-get.log"
    service_log = tmp_path / "service.log"
    bin_folder = _bin_folder(
        tmp_path,
        **{
            "apt-get": _recording_apt_get(log),
            "id": "#!/bin/sh\necho 0\n",
            "service": f'#!/bin/sh\necho "$@" >> {service_log}\n',
        },
    )
    result = _make_podman(tmp_path, bin_folder, "PROMETHEUS")
    assert result.returncode == 0, result.stdout + result.stderr
    update, install = log.read_text().splitlines()
    assert update.startswith("update")
    assert install.split()[0] == "install"
    assert install.split()[-1] == "prometheus"
    assert service_log.read_text().split() == ["prometheus", "stop"]


@pytest.mark.parametrize("required", ["1", ""])
def test_the_requirement_switch(monkeypatch, required):
    monkeypatch.setenv(TOOLS_REQUIRED_VARIABLE, required)
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match="frobnicator is missing"):
        missing_tool("frobnicator is missing")
