"""What no schema can see: names and labels that must agree across objects, probes that must
reach our URLs, settings the manifests must feed, secrets they must find, and the operators'
commands, each of which must find the object it names."""

import ast
import os
import re
import subprocess
import sys

import pytest
import yaml
from django.urls import Resolver404, resolve

from rubysound.ops.api import health as ops_health
from tests.deploy.conftest import (
    K8S,
    OVERLAYS,
    ROOT,
    by_kind,
    load_documents,
    plain_files,
    pod_labels,
    pod_spec,
    selects,
    workloads,
)

APP_IMAGE = "music-platform"
# The operators' commands (issue 8), which must work unchanged against the repository.
OPERATOR_COMMANDS = [
    "kubectl apply -f k8s/db-storage.yml",
    "kubectl apply -f k8s/db-secrets.yml",
    "kubectl apply -f k8s/backup.yml",
    "skaffold dev",
    "skaffold dev -p production",
    "docker build -t music-platform .",
    "minikube image load music-platform && kubectl apply -f k8s/",
    "minikube service django-service",
    "kubectl port-forward service/django-service 8000:8000",
    "kubectl exec -it deployment/django-app -- python manage.py migrate",
    "kubectl scale deployment django-app --replicas=3",
    "kubectl create job --from=cronjob/postgres-backup manual-backup-$(date +%Y%m%d-%H%M%S)",
    "kubectl create job --from=cronjob/postgres-restore restore-latest",
    "skaffold delete",
]


def _all_sets(rendered_objects, plain_objects):
    return {"plain": plain_objects, **rendered_objects}


def _app_containers(objects):
    for obj in workloads(objects):
        spec = pod_spec(obj)
        for container in spec.get("initContainers", []) + spec["containers"]:
            if container["image"].split(":")[0] == APP_IMAGE:
                yield obj, container


# --- Layout -----------------------------------------------------------------------------


def test_k8s_top_level_holds_only_kubernetes_objects():
    assert not (K8S / "kustomization.yaml").exists()
    assert not (K8S / "kustomization.yml").exists()
    for path in plain_files():
        for doc in load_documents(path):
            assert {"apiVersion", "kind", "metadata"} <= set(doc), f"{path.name}: {doc}"


def test_generated_secrets_are_git_ignored_and_the_example_is_not_at_the_top_level():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "k8s/db-secrets.yml"],  # noqa: S607
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0
    assert (K8S / "examples" / "db-secrets.example.yml").is_file()
    assert not list(K8S.glob("*.example.*"))


# --- Selectors and labels ---------------------------------------------------------------


def test_every_workload_selects_its_own_pods(rendered_objects, plain_objects):
    for name, objects in _all_sets(rendered_objects, plain_objects).items():
        for obj in workloads(objects):
            if obj["kind"] in {"Deployment", "StatefulSet"}:
                assert selects(obj["spec"]["selector"], pod_labels(obj)), (name, obj)


def test_services_and_the_pdb_select_exactly_their_workload(rendered_objects, plain_objects):
    expected = {"django-service": "django-app", "postgres": "postgres", "redis": "redis"}
    for name, objects in _all_sets(rendered_objects, plain_objects).items():
        long_running = [o for o in workloads(objects) if o["kind"] in {"Deployment", "StatefulSet"}]
        for service, workload in expected.items():
            selector = by_kind(objects, "Service")[service]["spec"]["selector"]
            selected = [
                o["metadata"]["name"] for o in long_running if selects(selector, pod_labels(o))
            ]
            assert selected == [workload], (name, service, selected)
        pdb = by_kind(objects, "PodDisruptionBudget")["django-pdb"]
        selected = [
            o["metadata"]["name"]
            for o in long_running
            if selects(pdb["spec"]["selector"], pod_labels(o))
        ]
        assert selected == ["django-app"], name
        assert pdb["spec"]["minAvailable"] == 1


def test_service_ports_reach_named_container_ports(plain_objects):
    deployments = {**by_kind(plain_objects, "Deployment"), **by_kind(plain_objects, "StatefulSet")}
    targets = {"django-service": "django-app", "postgres": "postgres", "redis": "redis"}
    for service, workload in targets.items():
        ports = by_kind(plain_objects, "Service")[service]["spec"]["ports"]
        named = {
            port["name"]
            for container in pod_spec(deployments[workload])["containers"]
            for port in container.get("ports", [])
        }
        for port in ports:
            assert port["targetPort"] in named, (service, port)
    (http,) = by_kind(plain_objects, "Service")["django-service"]["spec"]["ports"]
    assert http["port"] == 8000


def test_only_the_app_and_its_jobs_reach_postgres_and_redis(rendered_objects):
    objects = rendered_objects["production"]
    policies = by_kind(objects, "NetworkPolicy")
    pods = {o["metadata"]["name"]: pod_labels(o) for o in workloads(objects)}
    for policy_name, target, allowed in [
        (
            "postgres-clients-only",
            "postgres",
            {
                "django-app",
                "django-migrate",
                "postgres-backup",
                "postgres-restore",
                "scrobble-worker",
            },
        ),
        ("redis-clients-only", "redis", {"django-app"}),
    ]:
        policy = policies[policy_name]["spec"]
        protected = {
            name for name, labels in pods.items() if selects(policy["podSelector"], labels)
        }
        assert protected == {target}
        (rule,) = policy["ingress"]
        clients = {
            name
            for name, labels in pods.items()
            for source in rule["from"]
            if selects(source["podSelector"], labels)
        }
        assert clients == allowed, policy_name


def test_every_app_pod_that_touches_the_database_waits_for_it(rendered_objects):
    for obj in workloads(rendered_objects["production"]):
        if obj["metadata"]["name"] in {"postgres", "redis"}:
            continue
        init = {c["name"]: c for c in pod_spec(obj).get("initContainers", [])}
        assert "check-db-ready" in init, obj["metadata"]["name"]
        command = " ".join(init["check-db-ready"]["command"])
        assert "postgres" in command
        assert "5432" in command


# --- Storage and backups -----------------------------------------------------------------


def _claims_in(path) -> set[str]:
    return set(by_kind(load_documents(K8S / path), "PersistentVolumeClaim"))


def _claims_mounted(objects) -> set[str]:
    return {
        volume["persistentVolumeClaim"]["claimName"]
        for obj in workloads(objects)
        for volume in pod_spec(obj).get("volumes", [])
        if "persistentVolumeClaim" in volume
    }


def _backup_dir_volume(objects, workload: str, container_name: str) -> dict:
    """The volume a container sees at BACKUP_DIR, which must be mounted writable."""
    backup_dir = by_kind(objects, "ConfigMap")["django-config"]["data"]["BACKUP_DIR"]
    (obj,) = [o for o in workloads(objects) if o["metadata"]["name"] == workload]
    spec = pod_spec(obj)
    (container,) = [c for c in spec["containers"] if c["name"] == container_name]
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"] == backup_dir]
    assert mounts, f"{workload}/{container_name} mounts nothing at BACKUP_DIR {backup_dir}"
    (mount,) = mounts
    assert not mount.get("readOnly", False), (workload, mount)
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    return volume


def test_the_web_pods_backup_dir_is_the_cronjobs_volume_in_production(
    rendered_objects, plain_objects
):
    """The admin backup center (in the web pods) lists, makes and restores the very files
    the nightly CronJob writes and the restore job reads."""
    production = rendered_objects["production"]
    for name, objects in {"plain": plain_objects, "production": production}.items():
        claims = {
            workload: _backup_dir_volume(objects, workload, container)
            .get("persistentVolumeClaim", {})
            .get("claimName")
            for workload, container in [
                ("django-app", "django"),
                ("postgres-backup", "backup"),
                ("postgres-restore", "restore"),
            ]
        }
        assert set(claims.values()) == {"backup-pvc"}, (name, claims)
    # Skaffold's production profile deploys the app exactly as `kubectl apply -f k8s/` does.
    production_app = by_kind(rendered_objects["production"], "Deployment")["django-app"]
    assert production_app == by_kind(plain_objects, "Deployment")["django-app"]


def test_the_dev_overlay_keeps_the_web_pods_backups_in_an_empty_dir(rendered_objects):
    volume = _backup_dir_volume(rendered_objects["dev"], "django-app", "django")
    assert set(volume) == {"name", "emptyDir"}, volume


def test_every_claim_mounted_is_applied_by_hand_beforehand(rendered_objects, plain_objects):
    """`skaffold dev` needs db-storage.yml only; `-p production` and `kubectl apply -f k8s/`
    need backup.yml too (which `kubectl apply -f k8s/` applies itself)."""
    storage, backups = _claims_in("db-storage.yml"), _claims_in("backup.yml")
    assert backups == {"backup-pvc"}
    available = {"dev": storage, "production": storage | backups, "plain": storage | backups}
    for name, objects in _all_sets(rendered_objects, plain_objects).items():
        mounted = _claims_mounted(objects)
        assert mounted, name
        assert mounted <= available[name], (name, sorted(mounted - available[name]))
    assert "backup-pvc" in _claims_mounted(rendered_objects["production"])


def test_a_claim_several_pods_mount_at_once_is_read_write_many(plain_objects):
    """Replicas and CronJob pods land on any node: a claim they share must be ReadWriteMany
    (a ReadWriteOnce volume attaches to one node only)."""
    claims = by_kind(plain_objects, "PersistentVolumeClaim")
    pods_per_claim: dict[str, int] = {}
    users: dict[str, list[str]] = {}
    for obj in workloads(plain_objects):
        pods = obj["spec"].get("replicas", 1) if obj["kind"] in {"Deployment", "StatefulSet"} else 1
        for claim in _claims_mounted([obj]):
            pods_per_claim[claim] = pods_per_claim.get(claim, 0) + pods
            users.setdefault(claim, []).append(obj["metadata"]["name"])
    shared = {claim for claim, pods in pods_per_claim.items() if pods > 1}
    assert {"backup-pvc", "media-pvc"} <= shared
    for claim in shared:
        modes = claims[claim]["spec"]["accessModes"]
        assert "ReadWriteMany" in modes, (claim, modes, users[claim])
    assert claims["backup-pvc"]["spec"]["accessModes"] == ["ReadWriteMany"]


# --- Probes -----------------------------------------------------------------------------


def _probe_paths(objects):
    for obj in workloads(objects):
        for container in pod_spec(obj)["containers"]:
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = container.get(kind)
                if probe and "httpGet" in probe:
                    yield obj["metadata"]["name"], kind, probe["httpGet"]


def test_every_http_probe_reaches_our_health_views(plain_objects):
    expected = {"startupProbe": ops_health.live, "livenessProbe": ops_health.live}
    expected["readinessProbe"] = ops_health.ready
    found = set()
    for workload, kind, get in _probe_paths(plain_objects):
        try:
            match = resolve(get["path"])
        except Resolver404:
            pytest.fail(f"{workload} {kind}: {get['path']} is not one of our URLs")
        assert match.func is expected[kind], (workload, kind, get["path"])
        found.add((workload, kind))
    assert found == {("django-app", kind) for kind in expected}


def test_every_http_probe_names_a_host_the_app_allows(plain_objects):
    """The kubelet sends the pod's address as Host unless the probe names one; Django answers
    a host outside ALLOWED_HOSTS with 400, so a probe without one never passes."""
    (config,) = (o for o in plain_objects if o["kind"] == "ConfigMap")
    allowed = config["data"]["ALLOWED_HOSTS"].split(",")
    for workload, kind, get in _probe_paths(plain_objects):
        hosts = [h["value"] for h in get.get("httpHeaders", []) if h["name"].lower() == "host"]
        assert hosts, f"{workload} {kind}: no Host header, the kubelet would send the pod's IP"
        assert hosts[0] in allowed, (workload, kind, hosts[0], allowed)


def test_the_dockerfile_healthcheck_reaches_liveness():
    dockerfile = (ROOT / "Dockerfile").read_text()
    (healthcheck,) = re.findall(r"^HEALTHCHECK .*(?:\n(?!\S).*)*", dockerfile, re.MULTILINE)
    (url,) = re.findall(r"http://127\.0\.0\.1:[^/]*(/[^'\"]*)", healthcheck)
    assert resolve(url).func is ops_health.live


def test_the_shutdown_fits_in_the_grace_period(plain_objects):
    deployment = by_kind(plain_objects, "Deployment")["django-app"]
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    config = by_kind(plain_objects, "ConfigMap")["django-config"]["data"]
    budget = int(config["SHUTDOWN_TIMEOUT_SECONDS"]) + int(config["SHUTDOWN_DRAIN_SECONDS"])
    assert spec["terminationGracePeriodSeconds"] == 30
    assert pause + budget < spec["terminationGracePeriodSeconds"]


# --- Settings and secrets ---------------------------------------------------------------


def _names_read_by_settings() -> set[str]:
    """Environment variables rubysound/settings.py reads, found in its source today."""
    tree = ast.parse((ROOT / "rubysound" / "settings.py").read_text())
    readers = {"env_str", "env_bool", "env_int", "env_list", "getenv", "get"}
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        first = node.args[0]
        if name in readers and isinstance(first, ast.Constant) and isinstance(first.value, str):
            if name == "get" and "environ" not in ast.unparse(func):
                continue
            names.add(first.value)
    return names


def _environment_of(container, objects, secret) -> dict[str, str]:
    configmaps = by_kind(objects, "ConfigMap")
    values = secret["stringData"]
    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            env[item["name"]] = values[item["valueFrom"]["secretKeyRef"]["key"]]
    return env


def test_the_settings_reader_finds_what_settings_reads():
    names = _names_read_by_settings()
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "RUBYSOUND_PROFILE",
    } <= names
    assert "NOT_A_SETTING" not in names


def test_every_variable_the_manifests_set_is_read_by_our_settings(
    rendered_objects, plain_objects, generated_secret
):
    read = _names_read_by_settings()
    for name, objects in _all_sets(rendered_objects, plain_objects).items():
        for obj, container in _app_containers(objects):
            env = _environment_of(container, objects, generated_secret)
            unread = sorted(set(env) - read)
            assert not unread, f"{name}: {obj['metadata']['name']}/{container['name']}: {unread}"


def test_every_variable_the_dockerfile_sets_is_read_by_our_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile[dockerfile.index("AS runtime") :]
    block = re.search(r"^ENV (.*?)(?=^\S)", runtime, re.MULTILINE | re.DOTALL).group(1)
    names = set(re.findall(r"([A-Z_]+)=", block))
    python_and_shell = {"PATH", "HOME", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    assert names - python_and_shell
    assert not sorted(names - python_and_shell - _names_read_by_settings())


def test_every_secret_key_referenced_exists_in_the_generated_secret(
    rendered_objects, plain_objects, generated_secret
):
    example = load_documents(K8S / "examples" / "db-secrets.example.yml")[0]
    assert set(generated_secret["stringData"]) == set(example["stringData"])
    referenced = set()
    for objects in _all_sets(rendered_objects, plain_objects).values():
        for obj in workloads(objects):
            spec = pod_spec(obj)
            for container in spec.get("initContainers", []) + spec["containers"]:
                for item in container.get("env", []):
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        assert ref["name"] == generated_secret["metadata"]["name"]
                        referenced.add(ref["key"])
    assert referenced
    assert referenced <= set(generated_secret["stringData"])


def test_the_generated_secret_is_random_and_consistent(generated_secret, tmp_path):
    values = generated_secret["stringData"]
    assert values["POSTGRES_PASSWORD"] in values["DATABASE_URL"]
    assert len(values["SECRET_KEY"]) >= 50
    assert values["LASTFM_API_KEY"] == ""
    again = tmp_path / "again.yml"
    subprocess.run(  # noqa: S603
        [sys.executable, ROOT / "scripts" / "k8s_secrets.py", "--output", again], check=True
    )
    other = load_documents(again)[0]["stringData"]
    assert other["SECRET_KEY"] != values["SECRET_KEY"]
    assert oct(again.stat().st_mode & 0o777) == "0o600"


def test_the_generator_keeps_an_existing_file(tmp_path):
    target = tmp_path / "db-secrets.yml"
    target.write_text("kept\n")
    subprocess.run(  # noqa: S603
        [sys.executable, ROOT / "scripts" / "k8s_secrets.py", "--output", target], check=True
    )
    assert target.read_text() == "kept\n"


@pytest.mark.parametrize("container_name", ["django", "migrate", "backup", "restore"])
def test_production_settings_load_with_exactly_what_the_manifests_give(
    container_name, rendered_objects, generated_secret
):
    """The settings module, in a fresh process, with only the manifests' environment (and
    the image's): production refuses to start when something it needs is missing."""
    objects = rendered_objects["production"]
    (env,) = [
        _environment_of(container, objects, generated_secret)
        for _, container in _app_containers(objects)
        if container["name"] == container_name
    ]
    assert env["RUBYSOUND_PROFILE"] == "production"
    probe = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.PRODUCTION, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
        "s.CHANNEL_LAYERS['default']['BACKEND'], s.DEBUG]))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "rubysound.settings",
            "RUBYSOUND_VAR_DIR": str(ROOT / "var" / "deploy-settings-check"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    production, engine, cache, layer, debug = yaml.safe_load(result.stdout)
    assert production is True
    assert "postgresql" in engine
    assert "Redis" in cache
    assert "Redis" in layer
    assert debug is False


# --- The operators' commands --------------------------------------------------------------


def test_the_readme_shows_every_operator_command():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deployment") :]
    for command in OPERATOR_COMMANDS:
        assert command in section, command


def test_every_file_the_commands_apply_exists_or_is_generated_by_make():
    for command in OPERATOR_COMMANDS:
        for path in re.findall(r"-f (k8s/\S*)", command):
            target = ROOT / path
            if target.name in {"db-secrets.yml"}:
                makefile = (ROOT / "Makefile").read_text()
                assert re.search(r"^k8s-secrets:", makefile, re.MULTILINE)
                continue
            assert target.exists(), command


def test_every_resource_the_commands_name_exists_with_the_right_kind(
    rendered_objects, plain_objects
):
    plain = plain_objects
    production = rendered_objects["production"]
    # kubectl apply -f k8s/db-storage.yml, k8s/backup.yml
    storage = load_documents(K8S / "db-storage.yml")
    assert {d["kind"] for d in storage} == {"PersistentVolumeClaim"}
    assert {d["metadata"]["name"] for d in storage} >= {"postgres-pvc", "redis-pvc", "media-pvc"}
    backup_file = load_documents(K8S / "backup.yml")
    claims = by_kind(backup_file, "PersistentVolumeClaim")
    assert claims["backup-pvc"]["spec"]["resources"]["requests"]["storage"] == "2Gi"
    # minikube service / port-forward service/django-service 8000:8000
    for objects in (plain, rendered_objects["dev"], production):
        service = by_kind(objects, "Service")["django-service"]
        assert service["spec"]["type"] == "NodePort"  # what `minikube service` opens
        assert service["spec"]["ports"][0]["port"] == 8000
        # kubectl exec deployment/django-app, kubectl scale deployment django-app
        assert "django-app" in by_kind(objects, "Deployment")
    # kubectl create job --from=cronjob/postgres-backup / postgres-restore
    for objects in (backup_file, production):
        cronjobs = by_kind(objects, "CronJob")
        assert {"postgres-backup", "postgres-restore"} <= set(cronjobs)
    # skaffold dev leaves storage, secrets and backups alone; production adds the CronJobs
    dev_kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered_objects["dev"]}
    assert not any(kind in {"PersistentVolumeClaim", "Secret", "CronJob"} for kind, _ in dev_kinds)
    assert ("Job", "django-migrate") in dev_kinds
    production_claims = by_kind(production, "PersistentVolumeClaim")
    assert production_claims == {}, "skaffold delete would delete claims it deployed"
    assert not by_kind(production, "Secret")
    # docker build -t music-platform . / minikube image load music-platform
    images = {c["image"] for _, c in _app_containers(plain)}
    assert images == {APP_IMAGE}
    for _, container in _app_containers(plain):
        # a loaded image exists in no registry: pulling it would fail
        assert container["imagePullPolicy"] == "IfNotPresent"


def test_the_backup_cronjob_runs_create_verify_then_prune_nightly(plain_objects):
    cronjobs = by_kind(plain_objects, "CronJob")
    backup = cronjobs["postgres-backup"]["spec"]
    assert backup["schedule"] == "0 2 * * *"
    assert backup["concurrencyPolicy"] == "Forbid"
    (container,) = pod_spec(cronjobs["postgres-backup"])["containers"]
    script = container["command"][-1]
    create = script.index("python manage.py backup create")
    verify = script.index("python manage.py backup verify")
    assert create < verify < script.index("python manage.py backup prune")
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }
    config = by_kind(plain_objects, "ConfigMap")["django-config"]["data"]
    assert config["BACKUP_KEEP_DAYS"] == "7"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec(cronjobs["postgres-backup"])["volumes"]}
    assert (
        volumes[mounts[config["BACKUP_DIR"]]]["persistentVolumeClaim"]["claimName"] == "backup-pvc"
    )
    restore = cronjobs["postgres-restore"]
    assert restore["spec"]["suspend"] is True
    (container,) = pod_spec(restore)["containers"]
    assert "python manage.py backup restore --latest --yes" in container["command"][-1]


_RECORDING_PYTHON = """#!/bin/sh
echo "$@" >> "$CALLS"
case "$3" in
  create) echo "  dumping"; [ -n "$CREATE_FAILS" ] && exit 8
          echo "backup create ok name=rubysound_20261206T020000.000Z.dump size=10 seconds=1.0" ;;
  *) echo "backup $3 ok" ;;
esac
"""


@pytest.mark.parametrize("create_fails", [False, True], ids=["created", "create-fails"])
def test_the_backup_script_verifies_the_backup_it_just_made(plain_objects, tmp_path, create_fails):
    """The CronJob's own script under sh, with a python that records its arguments."""
    cronjob = by_kind(plain_objects, "CronJob")["postgres-backup"]
    (container,) = pod_spec(cronjob)["containers"]
    shell, flag, script = container["command"]
    (tmp_path / "python").write_text(_RECORDING_PYTHON)
    (tmp_path / "python").chmod(0o755)
    calls = tmp_path / "calls"
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "CALLS": str(calls),
        "BACKUP_KEEP_DAYS": "7",
        "CREATE_FAILS": "1" if create_fails else "",
    }
    result = subprocess.run(  # noqa: S603 - the manifest's script, our stand-in python
        [shell, flag, script], env=env, capture_output=True, text=True, check=False
    )
    if create_fails:
        assert result.returncode == 8
        assert calls.read_text().splitlines() == ["manage.py backup create --with-media"]
        return
    assert result.returncode == 0, result.stderr
    assert calls.read_text().splitlines() == [
        "manage.py backup create --with-media",
        "manage.py backup verify rubysound_20261206T020000.000Z.dump",
        "manage.py backup prune",
    ]
    assert "  dumping" in result.stdout  # the create's progress still reaches the log


def test_the_app_deployment_is_hardened_and_rolls_without_losing_capacity(plain_objects):
    deployment = by_kind(plain_objects, "Deployment")["django-app"]
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    for obj in workloads(plain_objects):
        spec = pod_spec(obj)
        name = obj["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["capabilities"]["drop"] == ["ALL"], (name, container["name"])
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert {"requests", "limits"} <= set(container["resources"]), (name, container["name"])
    (app,) = pod_spec(deployment)["containers"]
    assert pod_spec(deployment)["securityContext"]["runAsUser"] == 10001
    assert {m["mountPath"] for m in app["volumeMounts"]} >= {"/tmp"}  # noqa: S108


def test_redis_persists_with_append_only_and_postgres_probes_with_pg_isready(plain_objects):
    redis = by_kind(plain_objects, "Deployment")["redis"]
    (container,) = pod_spec(redis)["containers"]
    args = container["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert container["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
    postgres = by_kind(plain_objects, "StatefulSet")["postgres"]
    (container,) = pod_spec(postgres)["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"][0] == "pg_isready"
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in pod_spec(postgres)["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"postgres-pvc"}


def test_overlays_only_reference_files_that_exist():
    for directory in OVERLAYS.values():
        kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
        for resource in kustomization["resources"]:
            assert (directory / resource).exists(), (directory, resource)
