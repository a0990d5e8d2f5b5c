"""The production overlay, rendered by kubectl's kustomize, run as pods with ``podman kube
play``: PostgreSQL and Redis (stand-in images from bookworm's packages), the app's two
replicas behind their init container, the migration Job, the backup CronJob's job, then the
restore CronJob's job; every probe of the manifests against the running pods; one replica
killed and one sent SIGTERM under load. Every pod comes from a rendered object's own pod
template (see kube_play.py for what podman cannot honour and what the test does instead).

Figures go to var/deploy/pods.json and are printed at the end. Needs podman; marked like the
image test, it runs in the phase with PostgreSQL and Redis configured (CI's first), though
it brings its own: on the embedded defaults it would only repeat itself."""

import contextlib
import ipaddress
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from django.conf import settings

from tests.deploy import kube_play, podman
from tests.deploy.conftest import K8S, ROOT, by_kind, load_documents, require_podman
from tests.host_network import host_network

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not settings.REDIS_URL or "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the pod test runs in the phase with PostgreSQL and Redis: set DATABASE_URL and "
        "REDIS_URL (CI's first phase does)",
    ),
]

PREFIX = f"rs-pods-{secrets.token_hex(3)}"
FIGURES = ROOT / "var" / "deploy" / "pods.json"
# The claims an operator applies by hand before the overlay (README, "Deployment").
HAND_APPLIED = [K8S / "db-storage.yml", K8S / "backup.yml"]
# What a client sends through the Service: ALLOWED_HOSTS names it.
SERVICE_HOST = "django-service"
KUBE_DEFAULT_NETWORK = "podman-default-kube-network"
READY_TIMEOUT = 180
JOB_TIMEOUT = 600
figures: dict = {}


def _record(**values) -> None:
    figures.update(values)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def _podman_ok(*args: str, timeout: float = 120) -> str:
    result = podman.podman(*args, check=False, timeout=timeout)
    assert result.returncode == 0, f"podman {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Replica:
    """One played pod of a long-running workload, at its own address."""

    def __init__(self, workload: dict, index: int, played_name: str, address: str):
        self.workload = workload
        self.index = index
        self.played_name = played_name
        self.address = address
        self.pod = f"{played_name}-pod-0"

    def container(self, name: str) -> str:
        return f"{self.pod}-{name}"

    def url(self, port: int, path: str) -> str:
        return f"http://{self.address}:{port}{path}"


class Cluster:
    """The run's podman network, secret, volumes and pods; removed whole by ``remove``."""

    def __init__(self, objects: list[dict], folder: Path):
        self.objects = objects
        self.folder = folder
        self.network = PREFIX
        self.replicas: dict[str, list[Replica]] = {}
        # `podman kube play` runs still waiting on their pods' init containers: they hold
        # podman's locks, so they are stopped before anything is removed.
        self.background_plays: list[subprocess.Popen] = []
        self.configmaps = folder / "configmaps.yaml"
        self.configmaps.write_text(
            yaml.safe_dump_all([o for o in objects if o["kind"] == "ConfigMap"])
        )
        self.aliases: list[dict] = []
        # The pods' emptyDir folders.
        self.scratch = folder / "empty-dirs"
        self.networks_before = set(self._names("network"))
        self.volumes_before = set(self._names("volume"))

    @staticmethod
    def _names(kind: str) -> list[str]:
        return podman.podman(kind, "ls", "--format", "{{.Name}}", check=False).stdout.split()

    # --- podman objects -------------------------------------------------------------------

    def create_network(self) -> list[ipaddress.IPv4Address]:
        _podman_ok("network", "create", self.network)
        details = json.loads(_podman_ok("network", "inspect", self.network))[0]
        subnet = ipaddress.ip_network(details["subnets"][0]["subnet"])
        # Static addresses well above those the network hands out to the job pods.
        return [subnet.network_address + offset for offset in range(100, 140)]

    def create_secret(self, secret: dict) -> None:
        data = self.folder / "secret.json"
        data.write_text(kube_play.podman_secret_data(secret))
        name = f"{PREFIX}-{secret['metadata']['name']}"
        _podman_ok("secret", "create", name, str(data))
        data.unlink()

    def create_claims(self) -> list[str]:
        claims = []
        for path in HAND_APPLIED:
            for obj in load_documents(path):
                if obj["kind"] == "PersistentVolumeClaim":
                    obj["metadata"]["name"] = f"{PREFIX}-{obj['metadata']['name']}"
                    claims.append(obj)
        self.play_file("claims", claims)
        return [claim["metadata"]["name"] for claim in claims]

    def play_file(self, name: str, documents: list[dict], *args: str, background: bool = False):
        path = self.folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        command = ["kube", "play", "--network", self.network, *args]
        if any(doc["kind"] in {"Pod", "Deployment"} for doc in documents):
            command += ["--configmap", str(self.configmaps)]
        if background:
            play = subprocess.Popen(  # noqa: S603 - podman with our own arguments
                ["podman", *command, str(path)],  # noqa: S607
                env=podman.environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self.background_plays.append(play)
            return play
        return _podman_ok(*command, str(path), timeout=JOB_TIMEOUT)

    def play_workload(self, workload: dict, index: int, address, *, background: bool = False):
        name = workload["metadata"]["name"]
        played = f"{PREFIX}-{name}-{index}"
        doc = kube_play.playable(
            workload["spec"]["template"],
            kind="Deployment",
            name=played,
            prefix=PREFIX,
            app_image=podman.APP_IMAGE,
            aliases=self.aliases,
            scratch=self.scratch,
        )
        replica = Replica(workload, index, played, str(address))
        self.replicas.setdefault(name, []).append(replica)
        return replica, self.play_file(played, [doc], "--ip", str(address), background=background)

    def run_job(self, obj: dict) -> tuple[int, str, float]:
        """A Job, or a CronJob's job template, played as a Pod: (exit code, logs, seconds)."""
        name = f"{PREFIX}-{obj['metadata']['name']}-{secrets.token_hex(2)}"
        template = kube_play.job_template(obj)
        doc = kube_play.playable(
            template,
            kind="Pod",
            name=name,
            prefix=PREFIX,
            app_image=podman.APP_IMAGE,
            aliases=self.aliases,
            scratch=self.scratch,
        )
        (container,) = (c["name"] for c in template["spec"]["containers"])
        started = time.monotonic()
        try:
            self.play_file(name, [doc])
            exit_code = int(_podman_ok("wait", f"{name}-{container}", timeout=JOB_TIMEOUT).strip())
            seconds = time.monotonic() - started
            logs = podman.podman("logs", f"{name}-{container}", check=False)
            return exit_code, logs.stdout + logs.stderr, seconds
        finally:
            self._remove_pods([name])

    def exec(self, replica: Replica, container: str, *command: str, timeout: float = 60):
        return podman.podman(
            "exec", replica.container(container), *command, check=False, timeout=timeout
        )

    def logs(self, replica: Replica, container: str) -> str:
        result = podman.podman("logs", replica.container(container), check=False)
        return result.stdout + result.stderr

    def _remove_pods(self, pods: list[str]) -> None:
        """The pods and the anonymous volumes their containers made (the app image declares
        VOLUME /data, which its init container does not mount)."""
        anonymous = []
        for pod in pods:
            ids = podman.podman(
                "ps", "-a", "-q", "--filter", f"pod={pod}", check=False
            ).stdout.split()
            if ids:
                mounts = podman.podman(
                    "inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", *ids, check=False
                ).stdout.split()
                anonymous += [name for name in mounts if not name.startswith(PREFIX)]
            podman.podman("pod", "rm", "-f", "-t", "0", pod, check=False)
        for volume in anonymous:
            podman.podman("volume", "rm", volume, check=False)

    def remove(self) -> None:
        """Every pod, volume, secret and the network of this run, whatever state they are in."""
        for play in self.background_plays:
            if play.poll() is None:
                play.kill()
                play.communicate()
        self._remove_pods(
            podman.podman(
                "pod", "ls", "--filter", f"name=^{PREFIX}", "--format", "{{.Name}}", check=False
            ).stdout.split()
        )
        volumes = podman.podman(
            "volume", "ls", "--filter", f"name=^{PREFIX}", "--format", "{{.Name}}", check=False
        ).stdout.split()
        for volume in volumes:
            podman.podman("volume", "rm", "-f", volume, check=False)
        for secret in podman.podman(
            "secret", "ls", "--format", "{{.Name}}", check=False
        ).stdout.split():
            if secret.startswith(PREFIX):
                podman.podman("secret", "rm", secret, check=False)
        podman.podman("network", "rm", "-f", self.network, check=False)
        # podman 4.3's kube play makes its default network even when told to use another;
        # removed only if it was not there before and no one uses it (no -f).
        if KUBE_DEFAULT_NETWORK not in self.networks_before:
            podman.podman("network", "rm", KUBE_DEFAULT_NETWORK, check=False)

    def leftovers(self) -> list[str]:
        found = []
        for kind in ("pod", "volume", "secret", "network"):
            found += [f"{kind} {name}" for name in self._names(kind) if name.startswith(PREFIX)]
        anonymous = set(self._names("volume")) - self.volumes_before
        return found + [f"volume {name}" for name in sorted(anonymous)]


def _app_port(workload: dict) -> int:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return kube_play.named_port(container, container["readinessProbe"]["httpGet"]["port"])


def _ready_status(replica: Replica, port: int, timeout: float = 3) -> int | str:
    try:
        return httpx.get(
            replica.url(port, "/health/ready"), headers={"Host": SERVICE_HOST}, timeout=timeout
        ).status_code
    except httpx.TransportError as exc:
        return type(exc).__name__


def _wait_ready(cluster: Cluster, replica: Replica, port: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _ready_status(replica, port) == 200:
            return time.monotonic() - started
        time.sleep(0.25)
    logs = cluster.logs(
        replica, replica.workload["spec"]["template"]["spec"]["containers"][0]["name"]
    )
    pytest.fail(f"{replica.pod} not ready within {timeout} s:\n{logs[-4000:]}")


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    require_podman()
    # One line per request from the load would bury the figures.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    objects = request.getfixturevalue("rendered_objects")["production"]
    secret = request.getfixturevalue("generated_secret")
    seconds = podman.build_app_image()
    images = {
        container["image"]
        for obj in objects
        if kube_play.template_spec(obj) is not None
        for container in kube_play.template_spec(obj)["containers"]
        + kube_play.template_spec(obj).get("initContainers", [])
    } - {kube_play.APP_IMAGE_NAME}
    podman.ensure_service_standins(images)
    _record(app_image_build_seconds=round(seconds, 1))

    running = Cluster(objects, tmp_path_factory.mktemp("pods"))
    # Browser tests on the other worker wait while this test's network and pods exist.
    with host_network(changes_it=True):
        try:
            addresses = iter(running.create_network())
            running.create_secret(secret)
            running.create_claims()
            long_running = [o for o in objects if o["kind"] in {"Deployment", "StatefulSet"}]
            planned = {
                obj["metadata"]["name"]: [next(addresses) for _ in range(obj["spec"]["replicas"])]
                for obj in long_running
            }
            # A Service is its one selected pod's address in every pod's /etc/hosts.
            running.aliases = kube_play.host_aliases(
                {
                    service: str(planned[workloads[0]][0])
                    for service, workloads in kube_play.service_targets(objects).items()
                    if len(workloads) == 1 and len(planned[workloads[0]]) == 1
                }
            )
            _start(running, long_running, planned)
            yield running
        finally:
            running.remove()
            leftovers = running.leftovers()
            _record(not_honoured=kube_play.not_honoured(objects))
            _print_figures()
            assert not leftovers, f"left behind: {leftovers}"


def _start(running: Cluster, long_running: list[dict], planned: dict) -> None:
    """The app first, as `kubectl apply -f` may well start it: its init container must hold it
    until PostgreSQL answers. Then PostgreSQL and Redis; then both replicas must get ready."""
    app = next(o for o in long_running if o["metadata"]["name"] == "django-app")
    started = time.monotonic()
    app_plays = [
        running.play_workload(app, index, address, background=True)
        for index, address in enumerate(planned["django-app"])
    ]
    # The init container's own words, while the app container has not started.
    waiting_seen = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not waiting_seen:
        time.sleep(1)
        # Podman removes a finished init container: its logs are read while it waits.
        logs = [running.logs(replica, "check-db-ready") for replica, _ in app_plays]
        waiting_seen = all("waiting for postgres:5432" in log for log in logs)
    states = [
        podman.podman(
            "inspect", "--format", "{{.State.Status}}", replica.container("django"), check=False
        ).stdout.strip()
        for replica, _ in app_plays
    ]
    _record(init_container_waited=waiting_seen, app_state_while_waiting=states)
    database_played = time.monotonic()
    # All at once: a play returns only when its pod's init containers are done, and other
    # workloads (the scrobble worker) wait for PostgreSQL as the app does.
    other_plays = [
        running.play_workload(obj, index, address, background=True)
        for obj in long_running
        if obj["metadata"]["name"] != "django-app"
        for index, address in enumerate(planned[obj["metadata"]["name"]])
    ]
    for replica, play in app_plays + other_plays:
        out, err = play.communicate(timeout=READY_TIMEOUT)
        assert play.returncode == 0, f"kube play {replica.played_name}: {out}\n{err}"
    port = _app_port(app)
    for replica in running.replicas["django-app"]:
        _wait_ready(running, replica, port, READY_TIMEOUT)
    now = time.monotonic()
    _record(
        seconds_to_ready=round(now - started, 1),
        seconds_ready_after_database_played=round(now - database_played, 1),
    )


def _print_figures() -> None:
    print("\n--- pods: closing figures ---")
    for key, value in figures.items():
        if key == "not_honoured":
            continue
        print(f"{key}: {value}")
    print("--- not honoured by podman kube play (and what the test does instead) ---")
    for line in figures.get("not_honoured", []):
        print(f"  {line}")


# --- the tests, in the order an operator's first deployment goes -------------------------


def test_the_init_container_holds_the_app_until_postgres_answers(cluster):
    assert figures["init_container_waited"], "the init container never said it was waiting"
    # Not running while its init container waited (podman: "created", not "running").
    assert "running" not in figures["app_state_while_waiting"], figures
    assert len(cluster.replicas["django-app"]) == 2
    for replica in cluster.replicas["django-app"]:
        assert _ready_status(replica, _app_port(replica.workload)) == 200


def test_the_pods_run_as_the_manifests_say(cluster):
    """What podman does honour of the security contexts, checked inside the pods."""
    for replicas in cluster.replicas.values():
        for replica in replicas:
            spec = replica.workload["spec"]["template"]["spec"]
            for container in spec["containers"]:
                uid = cluster.exec(replica, container["name"], "id", "-u").stdout.strip()
                assert uid == str(spec["securityContext"]["runAsUser"]), replica.pod
                if container["securityContext"].get("readOnlyRootFilesystem"):
                    wrote = cluster.exec(replica, container["name"], "touch", "/written")
                    assert wrote.returncode != 0, f"{replica.pod} root is writable"
                    assert "Read-only file system" in wrote.stderr
                (details,) = json.loads(_podman_ok("inspect", replica.container(container["name"])))
                host = details["HostConfig"]
                limits = container["resources"]["limits"]
                assert host["Memory"] == kube_play.memory_bytes(limits["memory"]), replica.pod
                if container["securityContext"].get("allowPrivilegeEscalation") is False:
                    assert "no-new-privileges" in host["SecurityOpt"], replica.pod
                if "ALL" in container["securityContext"].get("capabilities", {}).get("drop", []):
                    assert "CAP_NET_RAW" in host["CapDrop"], replica.pod


def _run_probe(cluster: Cluster, replica: Replica, container: dict, probe: dict):
    """One probe as the kubelet runs it: (passed, what it saw)."""
    timeout = probe.get("timeoutSeconds", 1)
    if "exec" in probe:
        result = cluster.exec(replica, container["name"], *probe["exec"]["command"])
        return result.returncode == 0, (result.stdout + result.stderr).strip()
    if "httpGet" in probe:
        port = kube_play.named_port(container, probe["httpGet"]["port"])
        # As the kubelet sends it: the pod's address as Host unless the probe names one.
        headers = {h["name"]: h["value"] for h in probe["httpGet"].get("httpHeaders", [])}
        try:
            status = httpx.get(
                replica.url(port, probe["httpGet"]["path"]), headers=headers, timeout=timeout
            )
        except httpx.TransportError as exc:
            return False, repr(exc)
        return 200 <= status.status_code < 400, status.status_code
    if "tcpSocket" in probe:
        port = kube_play.named_port(container, probe["tcpSocket"]["port"])
        with (
            contextlib.suppress(OSError),
            socket.create_connection((replica.address, port), timeout),
        ):
            return True, "connected"
        return False, "refused"
    raise AssertionError(f"a probe of a kind this test does not know: {probe}")


def test_every_probe_of_the_manifests_passes_against_the_running_pods(cluster):
    ran = []
    for replicas in cluster.replicas.values():
        for replica in replicas:
            for container in replica.workload["spec"]["template"]["spec"]["containers"]:
                for kind in kube_play.PROBES:
                    if kind not in container:
                        continue
                    passed, saw = _run_probe(cluster, replica, container, container[kind])
                    assert passed, (replica.pod, container["name"], kind, saw)
                    ran.append(f"{replica.workload['metadata']['name']}/{container['name']} {kind}")
    _record(probes_run=len(ran))
    print("probes run:", ran)
    # Every workload with a probe had each of its probes run.
    declared = {
        f"{obj['metadata']['name']}/{container['name']} {kind}"
        for obj in cluster.objects
        if obj["kind"] in {"Deployment", "StatefulSet"}
        for container in obj["spec"]["template"]["spec"]["containers"]
        for kind in kube_play.PROBES
        if kind in container
    }
    assert declared == set(ran)
    # ... on each replica.
    assert len(ran) == sum(len(cluster.replicas[probe.split("/")[0]]) for probe in declared), ran


def _app(cluster: Cluster) -> tuple[Replica, int]:
    replica = cluster.replicas["django-app"][0]
    return replica, _app_port(replica.workload)


def _signup(cluster: Cluster, username: str) -> None:
    replica, port = _app(cluster)
    response = httpx.post(
        replica.url(port, "/api/auth/signup/"),
        headers={"Host": SERVICE_HOST},
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        timeout=20,
    )
    assert response.status_code == 201, response.text


def _sign_in(cluster: Cluster, username: str) -> httpx.Response:
    replica, port = _app(cluster)
    response = httpx.post(
        replica.url(port, "/api/auth/token/"),
        headers={"Host": SERVICE_HOST},
        json={"username": username, "password": PASSWORD},
        timeout=20,
    )
    assert response.status_code in {200, 401}, response.text
    return response


def _can_sign_in(cluster: Cluster, username: str) -> bool:
    return _sign_in(cluster, username).status_code == 200


PASSWORD = secrets.token_urlsafe(16)
KEPT = f"kept-{secrets.token_hex(3)}"
LOST = f"lost-{secrets.token_hex(3)}"


def _backup_files(cluster: Cluster) -> list[str]:
    mountpoint = _podman_ok(
        "volume", "inspect", "--format", "{{.Mountpoint}}", f"{PREFIX}-backup-pvc"
    ).strip()
    return sorted(path.name for path in Path(mountpoint).iterdir())


def test_migrate_then_backup_then_restore_brings_the_data_back(cluster):
    jobs = by_kind(cluster.objects, "Job")
    cronjobs = by_kind(cluster.objects, "CronJob")

    code, logs, seconds = cluster.run_job(jobs["django-migrate"])
    assert code == 0, logs[-4000:]
    _record(migrate_seconds=round(seconds, 1))
    replica, port = _app(cluster)
    page = httpx.get(replica.url(port, "/"), headers={"Host": SERVICE_HOST}, timeout=20)
    assert page.status_code == 200

    _signup(cluster, KEPT)
    before = _backup_files(cluster)
    code, logs, seconds = cluster.run_job(cronjobs["postgres-backup"])
    assert code == 0, logs[-4000:]
    assert "backup: done" in logs
    _record(backup_seconds=round(seconds, 1))
    new_files = sorted(set(_backup_files(cluster)) - set(before))
    assert new_files, "no backup appeared on the backup volume"
    _record(backup_files=new_files)
    # The app's pods mount the same volume (the admin backup center): verify it from there.
    verify = cluster.exec(
        replica, "django", "python", "manage.py", "backup", "verify", "--latest", timeout=300
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "backup verify ok" in verify.stdout

    _signup(cluster, LOST)
    assert _can_sign_in(cluster, KEPT)
    assert _can_sign_in(cluster, LOST)

    code, logs, seconds = cluster.run_job(cronjobs["postgres-restore"])
    assert code == 0, logs[-4000:]
    assert "restore: done" in logs
    _record(restore_seconds=round(seconds, 1))
    assert _can_sign_in(cluster, KEPT), "the account made before the backup is gone"
    assert not _can_sign_in(cluster, LOST), "the account made after the backup survived"


# --- replicas under load ------------------------------------------------------------------

ROUTES = ["/health/live", "/", "/api/genres/", "/music_api/trending/"]
CLIENTS = 6
STEADY_REQUESTS = 200


class Balancer:
    """What stands in for the Service (and an ingress in front of it): requests go round the
    replicas in rotation; a replica leaves the rotation when its readiness fails, when it
    refuses a connection (and that request is sent once more to another replica, as an
    ingress retries an idempotent request on a connection error), or when it is
    terminating (the endpoint goes, before the preStop hook)."""

    def __init__(self, replicas: list[Replica], port: int):
        self.replicas = replicas
        self.port = port
        self.rotation = list(replicas)
        self.terminating: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.results: list[dict] = []
        self.readiness: dict[str, list[tuple[float, int | str]]] = {r.pod: [] for r in replicas}

    def pick(self, turn: int, avoid: Replica | None = None) -> Replica | None:
        with self.lock:
            choices = [r for r in self.rotation if r is not avoid]
            return choices[turn % len(choices)] if choices else None

    def leave(self, replica: Replica, *, terminating: bool = False) -> None:
        with self.lock:
            if terminating:
                self.terminating.add(replica.pod)
            if replica in self.rotation:
                self.rotation.remove(replica)

    def _rejoin(self, replica: Replica) -> None:
        with self.lock:
            if replica not in self.rotation and replica.pod not in self.terminating:
                self.rotation.append(replica)

    def _send(self, client: httpx.Client, replica: Replica, route: str) -> int | str:
        try:
            return client.get(replica.url(self.port, route)).status_code
        except httpx.TransportError as exc:
            return f"{type(exc).__name__}: {exc}"

    def client(self, offset: int) -> None:
        with httpx.Client(timeout=20, headers={"Host": SERVICE_HOST}) as client:
            turn = offset
            while not self.stop.is_set():
                route = ROUTES[turn % len(ROUTES)]
                turn += 1
                replica = self.pick(turn)
                if replica is None:
                    time.sleep(0.05)
                    continue
                outcome = self._send(client, replica, route)
                retried_from = None
                if isinstance(outcome, str):
                    self.leave(replica)
                    retried_from, replica = replica.pod, self.pick(turn, avoid=replica)
                    if replica is not None:
                        outcome = self._send(client, replica, route)
                with self.lock:
                    self.results.append(
                        {
                            "at": time.monotonic(),
                            "pod": replica.pod if replica else None,
                            "outcome": outcome,
                            "retried_from": retried_from,
                        }
                    )

    def prober(self) -> None:
        while not self.stop.is_set():
            for replica in self.replicas:
                status = _ready_status(replica, self.port, timeout=2)
                self.readiness[replica.pod].append((time.monotonic(), status))
                if status == 200:
                    self._rejoin(replica)
                else:
                    self.leave(replica)
            time.sleep(0.5)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.prober))
        for thread in self.threads:
            thread.start()
        # Steady load first: a replica just restarted answers its first requests slowly.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.results) < STEADY_REQUESTS:
            time.sleep(0.1)
        time.sleep(1)
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def summary(self, since: float) -> dict:
        with self.lock:
            after = [r for r in self.results if r["at"] >= since]
            return {
                "requests": len(self.results),
                "requests_after": len(after),
                "failed": [r for r in self.results if r["outcome"] != 200],
                "retried": [r for r in self.results if r["retried_from"]],
                "by_pod_after": {
                    pod: sum(1 for r in after if r["pod"] == pod)
                    for pod in {r.pod for r in self.replicas}
                },
            }


def test_a_replica_killed_mid_load_leaves_the_other_answering(cluster):
    replicas = cluster.replicas["django-app"]
    victim, survivor = replicas
    port = _app_port(victim.workload)
    with Balancer(replicas, port) as balancer:
        # The server process killed from outside, as the kernel's OOM killer or a crash
        # would (podman kill counts as the user's stop, which no restart policy undoes).
        pid = int(_podman_ok("inspect", "--format", "{{.State.Pid}}", victim.container("django")))
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        time.sleep(4)
        seen = balancer.summary(killed_at)
    assert seen["requests"] - seen["requests_after"] > STEADY_REQUESTS / 2, "too little load"
    _record(
        kill_requests=seen["requests"],
        kill_requests_after=seen["requests_after"],
        kill_failed=len(seen["failed"]),
        kill_retried_on_the_other_replica=len(seen["retried"]),
    )
    assert not seen["failed"], seen["failed"][:10]
    assert seen["by_pod_after"][survivor.pod] > 20
    # Podman restarts the killed container (restartPolicy OnFailure), as the kubelet would.
    back = _wait_ready(cluster, victim, port, READY_TIMEOUT)
    restarts = _podman_ok("inspect", "--format", "{{.RestartCount}}", victim.container("django"))
    _record(kill_seconds_until_back=round(back, 1), kill_restart_count=int(restarts))
    assert int(restarts) >= 1


def test_sigterm_under_load_fails_no_request(cluster):
    replicas = cluster.replicas["django-app"]
    leaving = replicas[1]
    port = _app_port(leaving.workload)
    (container,) = leaving.workload["spec"]["template"]["spec"]["containers"]
    grace = leaving.workload["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    with Balancer(replicas, port) as balancer:
        # The kubelet's order: the pod leaves the endpoints as its preStop hook starts; the
        # signal follows the hook; the grace period counts from the start.
        signalled_at = time.monotonic()
        balancer.leave(leaving, terminating=True)
        hook = cluster.exec(
            leaving, "django", *container["lifecycle"]["preStop"]["exec"]["command"]
        )
        assert hook.returncode == 0, hook.stderr
        ready_during_hook = _ready_status(leaving, port)
        left = max(1, int(grace - (time.monotonic() - signalled_at)))
        term_at = time.monotonic()
        statuses = []
        stopper = threading.Thread(
            target=podman.podman,
            args=("stop", "-t", str(left), leaving.container("django")),
            kwargs={"check": False, "timeout": grace + 10},
        )
        stopper.start()
        while stopper.is_alive():
            statuses.append(_ready_status(leaving, port, timeout=1))
            time.sleep(0.05)
        exited_at = time.monotonic()
        time.sleep(1)
        seen = balancer.summary(signalled_at)
    exit_code = _podman_ok(
        "inspect", "--format", "{{.State.ExitCode}}", leaving.container("django")
    ).strip()
    _record(
        sigterm_requests=seen["requests"],
        sigterm_requests_after=seen["requests_after"],
        sigterm_failed=len(seen["failed"]),
        sigterm_retried=len(seen["retried"]),
        sigterm_readiness_during_prestop=ready_during_hook,
        sigterm_readiness_after_signal=sorted({str(s) for s in statuses}),
        seconds_sigterm_to_exit=round(exited_at - term_at, 1),
        sigterm_exit_code=exit_code,
    )
    assert seen["requests"] - seen["requests_after"] > STEADY_REQUESTS / 2, "too little load"
    assert not seen["failed"], seen["failed"][:10]
    assert not seen["retried"], seen["retried"][:10]
    assert ready_during_hook == 200
    # With SHUTDOWN_DRAIN_SECONDS "0" (django-config) the server stops listening within
    # milliseconds of the signal (its 503 while draining: see the next test); once unready
    # it never answers 200 again (the first polls may come before the signal).
    unready = [i for i, status in enumerate(statuses) if status != 200]
    assert unready, statuses
    assert 200 not in statuses[unready[0] :], statuses
    assert exited_at - signalled_at < grace
    assert exit_code == "0"


def test_readiness_answers_503_while_a_server_in_the_pod_drains(cluster):
    """The readiness path's 503 while draining, in a running pod: the manifests' drain window
    (SHUTDOWN_DRAIN_SECONDS "0") is too short to catch, so a second server is started in the
    surviving replica's container, with the pod's own environment, database and Redis, on
    another port and with a drain window of 3 s, and sent SIGTERM."""
    replica = cluster.replicas["django-app"][0]
    port = _app_port(replica.workload) + 1
    start = (
        f"PORT={port} SHUTDOWN_DRAIN_SECONDS=3 python -m rubysound.core.server & "
        "echo $! > /tmp/drain-test.pid; wait"
    )
    _podman_ok("exec", "-d", replica.container("django"), "sh", "-c", start)
    second = Replica(replica.workload, 99, replica.played_name, replica.address)
    _wait_ready(cluster, second, port, 60)
    signal_it = cluster.exec(replica, "django", "sh", "-c", "kill -TERM $(cat /tmp/drain-test.pid)")
    assert signal_it.returncode == 0, signal_it.stderr
    statuses = []
    for _ in range(40):
        statuses.append(_ready_status(second, port, timeout=1))
        if statuses[-1] != 200 and not isinstance(statuses[-1], int):
            break
        time.sleep(0.1)
    _record(draining_readiness=sorted({str(s) for s in statuses}))
    assert 503 in statuses, statuses
    assert _ready_status(replica, _app_port(replica.workload)) == 200


def test_what_podman_cannot_honour_is_listed_and_the_readme_says_so(cluster):
    lines = kube_play.not_honoured(cluster.objects)
    assert lines
    readme = (ROOT / "README.md").read_text()
    not_verified = readme.split("**Not verified here**", 1)[1].split("\n\n", 1)[0]
    for kind in ("Service", "NetworkPolicy", "PodDisruptionBudget", "CronJob"):
        assert any(line.startswith(f"{kind}/") for line in lines), kind
        assert kind in not_verified, f"README's 'Not verified here' does not name {kind}"
