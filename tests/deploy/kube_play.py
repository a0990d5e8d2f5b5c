"""The rendered manifests as ``podman kube play`` (podman 4.3, Debian bookworm's) can run them.

Every pod played is made from a rendered object's own pod template, programmatically; what
podman cannot take as Kubernetes writes it is adapted here, and each adaptation is named in
``NOT_HONOURED`` so the test can say which object or field it did not honour:

- podman has no namespaces: secrets, volumes and pods are machine-wide, so their names get
  the run's prefix (other runs and other engineers' containers share the machine);
- a Service is a name in every pod's /etc/hosts (``hostAliases``) pointing at the one pod
  its selector matches; the app's Service, which selects two replicas, is the test's own
  client-side balancer;
- a StatefulSet is played as a Deployment (podman 4.3 plays Pods and Deployments only) and a
  Deployment of N replicas as N Deployments of one pod (podman limits replicas to 1);
- a Job, and a CronJob's job template, is played as a Pod when the test runs it;
- a Deployment's pods restart on failure only: podman 4.3 gives init containers the pod's
  restart policy, and restarts a finished init container forever under ``Always``;
- ``ports`` are left out: podman 4.3 publishes every containerPort on the host's same port,
  which two replicas (and other engineers' servers) cannot share; pods are reached at their
  own address on the podman network, and named ports are resolved from the manifests;
- probes are left out: podman 4.3 turns a liveness probe into a health check run by a
  systemd timer (there is no systemd here) through ``curl`` (not in our image), and ignores
  readiness and startup probes; the test runs every probe itself;
- init containers are kept once finished (podman's init container type "always"): podman
  4.3 removes a finished "once" init container but leaves the anonymous volume the app
  image's ``VOLUME /data`` gave it; kept, it goes with its pod, volume included;
- an ``emptyDir`` is an empty folder of the pod's own, world-writable as the kubelet makes
  it, mounted as a hostPath (podman 4.3 makes it a machine-wide volume named after the
  pod's volume, shared by every pod that says ``tmp``, and fills it with the image's files).
"""

import base64
import copy
import json
from pathlib import Path

from tests.deploy.conftest import pod_labels, selects

APP_IMAGE_NAME = "music-platform"
CLUSTER_DOMAINS = ("", ".default.svc", ".default.svc.cluster.local")
INIT_CONTAINER_TYPE = "io.podman.annotations.init.container.type"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")

# What podman kube play does not do, where it matters to these manifests. Keys are
# (kind, path); a path names a field of the object (pod template fields as
# ``pod.<field>``, container fields as ``container.<field>``). The test lists those present.
NOT_HONOURED = {
    ("Service", ""): "no Service objects: a hosts entry to the selected pod (postgres, "
    "redis); the test's own balancer across the two app replicas (django-service)",
    ("NetworkPolicy", ""): "not enforced: the podman bridge network has no policy plugin",
    ("PodDisruptionBudget", ""): "no evictions to budget",
    ("StatefulSet", ""): "played as a Deployment of one pod named <name>-0",
    ("StatefulSet", "spec.serviceName"): "no headless Service (see Service)",
    ("Deployment", "spec.replicas"): "one Deployment of one pod played per replica",
    ("Deployment", "spec.strategy"): "no rollouts",
    ("Deployment", "spec.revisionHistoryLimit"): "no rollouts",
    ("Job", ""): "played as a Pod, run once by the test, which checks its exit code",
    ("Job", "spec.backoffLimit"): "no retries: one run",
    ("Job", "spec.activeDeadlineSeconds"): "the test's own timeout instead",
    ("Job", "spec.ttlSecondsAfterFinished"): "the test removes the pod",
    ("CronJob", ""): "its job template played as a Pod, run once by the test",
    ("CronJob", "spec.schedule"): "no timing: run when the test says",
    ("CronJob", "spec.timeZone"): "no timing",
    ("CronJob", "spec.suspend"): "no timing: run when the test says",
    ("CronJob", "spec.concurrencyPolicy"): "one run at a time, by the test",
    ("CronJob", "spec.startingDeadlineSeconds"): "no timing",
    ("CronJob", "spec.successfulJobsHistoryLimit"): "no job history",
    ("CronJob", "spec.failedJobsHistoryLimit"): "no job history",
    ("*", "pod.restartPolicy"): "Always played as OnFailure (podman 4.3 would restart the "
    "finished init container forever)",
    ("*", "pod.securityContext.fsGroup"): "ignored; podman gives a new volume to the uid of "
    "the first container that mounts it",
    ("*", "pod.securityContext.seccompProfile"): "podman's default seccomp profile applies",
    ("*", "pod.automountServiceAccountToken"): "no service account to mount",
    ("*", "pod.volumes.emptyDir"): "an empty folder of the pod's own, mounted as a hostPath",
    ("*", "pod.volumes.emptyDir.sizeLimit"): "not enforced",
    ("*", "pod.volumes.persistentVolumeClaim"): "a podman named volume: no size, access "
    "mode or storage class",
    ("*", "container.ports"): "left out (podman 4.3 would publish them on the host); pods "
    "are reached at their own address",
    ("*", "container.startupProbe"): "run by the test",
    ("*", "container.readinessProbe"): "run by the test",
    ("*", "container.livenessProbe"): "run by the test",
    ("*", "container.lifecycle.preStop"): "run by the test before it stops a replica, as "
    "the kubelet does",
    ("*", "pod.terminationGracePeriodSeconds"): "podman's stop timeout stays 10 s; the test "
    "stops a replica with the manifest's grace period itself",
    ("*", "container.resources.requests"): "no scheduler (limits are applied: the test "
    "checks them)",
    ("*", "container.imagePullPolicy"): "no registry: every image is built on this machine",
}


def job_template(obj: dict) -> dict:
    """The pod template a Job, or a CronJob's job, makes its pods from."""
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    return obj["spec"]["template"]


def _has_path(node, parts: list[str]) -> bool:
    if not parts:
        return True
    if isinstance(node, list):
        return any(_has_path(item, parts) for item in node)
    if not isinstance(node, dict):
        return False
    if parts[0] in node:
        return _has_path(node[parts[0]], parts[1:])
    return False


def template_spec(obj: dict) -> dict | None:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if obj["kind"] in {"Deployment", "StatefulSet", "Job"}:
        return obj["spec"]["template"]["spec"]
    return None


def not_honoured(objects: list[dict]) -> list[str]:
    """Each object or field of these objects podman does not honour, with what the test does
    instead, as "Kind/name field: what instead" lines."""
    lines = []
    for obj in objects:
        kind, name = obj["kind"], obj["metadata"]["name"]
        spec = template_spec(obj)
        containers = [] if spec is None else spec.get("initContainers", []) + spec["containers"]
        for (on_kind, path), instead in NOT_HONOURED.items():
            if on_kind not in {kind, "*"} or (on_kind == "*" and spec is None):
                continue
            if path == "":
                found = True
            elif path.startswith("pod."):
                found = _has_path(spec, path.removeprefix("pod.").split("."))
            elif path.startswith("container."):
                parts = path.removeprefix("container.").split(".")
                found = any(_has_path(container, parts) for container in containers)
            else:
                found = _has_path(obj, path.split("."))
            if found:
                where = f"{kind}/{name}" + (f" {path}" if path else "")
                lines.append(f"{where}: {instead}")
    return lines


def service_targets(objects: list[dict]) -> dict[str, list[str]]:
    """Service name -> names of the workloads whose pods it selects."""
    workloads = [obj for obj in objects if template_spec(obj) is not None]
    return {
        service["metadata"]["name"]: [
            obj["metadata"]["name"]
            for obj in workloads
            if obj["kind"] in {"Deployment", "StatefulSet"}
            and selects(service["spec"]["selector"], pod_labels(obj))
        ]
        for service in objects
        if service["kind"] == "Service"
    }


def host_aliases(addresses: dict[str, str]) -> list[dict]:
    """Service name -> address, as /etc/hosts entries with the cluster's longer names."""
    return [
        {"ip": address, "hostnames": [f"{name}{domain}" for domain in CLUSTER_DOMAINS]}
        for name, address in sorted(addresses.items())
    ]


def podman_secret_data(secret: dict) -> str:
    """A Secret as podman 4.3's secretKeyRef reads a podman secret: a JSON map of base64
    values (its own kube play of a Secret stores the YAML, which secretKeyRef then rejects)."""
    values = {key: base64.b64decode(value) for key, value in secret.get("data", {}).items()}
    values.update({key: value.encode() for key, value in secret.get("stringData", {}).items()})
    return json.dumps({key: base64.b64encode(value).decode() for key, value in values.items()})


def playable(
    template: dict,
    *,
    kind: str,
    name: str,
    prefix: str,
    app_image: str,
    aliases: list[dict],
    scratch: Path,
) -> dict:
    """A rendered pod template as one podman-playable object: a Deployment of one pod for a
    long-running workload, a Pod for a job. Its emptyDir folders are made under scratch."""
    spec = copy.deepcopy(template["spec"])
    spec["hostAliases"] = aliases
    if kind == "Deployment":
        spec["restartPolicy"] = "OnFailure"
    for container in spec.get("initContainers", []) + spec["containers"]:
        if container["image"].split(":")[0] == APP_IMAGE_NAME:
            container["image"] = app_image
        container.pop("ports", None)
        for probe in PROBES:
            container.pop(probe, None)
        for variable in container.get("env", []):
            secret_ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if secret_ref:
                secret_ref["name"] = f"{prefix}-{secret_ref['name']}"
    for volume in spec.get("volumes", []):
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]
            claim["claimName"] = f"{prefix}-{claim['claimName']}"
        elif "emptyDir" in volume:
            folder = scratch / name / volume["name"]
            folder.mkdir(parents=True)
            folder.chmod(0o777)
            del volume["emptyDir"]
            volume["hostPath"] = {"path": str(folder), "type": "Directory"}
    labels = dict(template["metadata"].get("labels", {}))
    metadata = {"name": name, "labels": labels, "annotations": {INIT_CONTAINER_TYPE: "always"}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": copy.deepcopy(metadata), "spec": spec},
        },
    }


BINARY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def memory_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity in bytes (the binary units our manifests use)."""
    for suffix, factor in BINARY_UNITS.items():
        if quantity.endswith(suffix):
            return int(quantity.removesuffix(suffix)) * factor
    return int(quantity)


def named_port(container: dict, port) -> int:
    """A probe's port, by number or by the container's port name."""
    if isinstance(port, int):
        return port
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            return declared["containerPort"]
    raise LookupError(f"container {container['name']} has no port named {port!r}")
