"""Podman on this machine, for the image smoke test (see ../../../shared/OPS-TOOLING.md).

No registry is reachable, so the Dockerfile's base images are stand-ins built here once and
kept in podman's image store (later runs find them in seconds):

- ``python:3.11-slim-bookworm``: a Debian bookworm ``debootstrap --variant=minbase`` with
  Python 3.11 (bookworm's own), ca-certificates and venv;
- ``node:20-bookworm-slim``: the same root filesystem plus this machine's Node.js and npm.

``python -m tests.deploy.podman`` builds them ahead of time (with progress).

The production overlay's PostgreSQL and Redis images have stand-ins too (test_pods.py):
``postgres:15.13-bookworm`` and ``redis:7.0.15-bookworm`` built from bookworm's packages on the
first stand-in, from the folders under standins/. Each carries the digest of its folder, so a
changed entrypoint is rebuilt and an unchanged one is reused.

The app image is built here too (``build_app_image``), once for the tests that run it
(test_image.py, test_pods.py): a lock keeps two pytest-xdist workers from building it at the
same time, and an image labelled with the digest of the same sources is used as it is.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "tests" / "deploy" / "containers.conf"
PYTHON_IMAGE = "python:3.11-slim-bookworm"
NODE_IMAGE = "node:20-bookworm-slim"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
APP_IMAGE = "music-platform:smoke"
BUILD_TIMEOUT = 1800
STANDINS = ROOT / "tests" / "deploy" / "standins"
SERVICE_STANDINS = {
    "postgres:15.13-bookworm": STANDINS / "postgres",
    "redis:7.0.15-bookworm": STANDINS / "redis",
}
STANDIN_DIGEST_LABEL = "fm.rubysound.standin-digest"
CONTEXT_DIGEST_LABEL = "fm.rubysound.context-digest"
IMAGE_TITLE_LABEL = "org.opencontainers.image.title=RubySound.fm"
BUILD_LOCK = ROOT / "var" / "deploy" / "image-build.lock"


def environment() -> dict:
    # Without these limits podman run fails on this kind of VM (rlimits, cgroups).
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, check: bool = True, capture: bool = True, timeout: float = 600):
    return subprocess.run(  # noqa: S603 - podman with our own arguments
        ["podman", *args],  # noqa: S607 - podman from PATH, as the operator runs it
        env=environment(),
        check=check,
        capture_output=capture,
        text=True,
        timeout=timeout,
    )


def image_exists(name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


def _say(line: str) -> None:
    print(f"podman stand-ins: {line}", file=sys.stderr, flush=True)


def _import_rootfs(rootfs: Path, tag: str) -> None:
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)  # noqa: S603, S607
    subprocess.run(  # noqa: S603
        ["podman", "import", "-", tag],  # noqa: S607
        stdin=tar.stdout,
        env=environment(),
        check=True,
        capture_output=True,
    )
    if tar.wait() != 0:
        raise RuntimeError(f"tar of {rootfs} failed")


def _add_host_node(rootfs: Path) -> None:
    node = shutil.which("node")
    npm_dir = Path("/usr/lib/node_modules/npm")
    if node is None or not npm_dir.is_dir():
        raise RuntimeError("the node stand-in needs Node.js and npm on this machine")
    (rootfs / "usr/local/bin").mkdir(parents=True, exist_ok=True)
    (rootfs / "usr/local/lib/node_modules").mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(node).resolve(), rootfs / "usr/local/bin/node")
    shutil.copytree(npm_dir, rootfs / "usr/local/lib/node_modules/npm", symlinks=True)
    (rootfs / "usr/local/bin/npm").symlink_to("../lib/node_modules/npm/bin/npm-cli.js")
    # Registries are reached through this machine's TLS proxy: trust its CA bundle.
    (rootfs / "usr/local/etc").mkdir(parents=True, exist_ok=True)
    (rootfs / "usr/local/etc/npmrc").write_text(f"cafile={HOST_CA_BUNDLE}\n")


def missing_standin_images() -> list[str]:
    return [tag for tag in (PYTHON_IMAGE, NODE_IMAGE) if not image_exists(tag)]


def ensure_standin_images() -> None:
    missing = missing_standin_images()
    if not missing:
        return
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is missing (make test installs it with apt-get)")
    with tempfile.TemporaryDirectory(prefix="rubysound-rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        _say(f"debootstrap bookworm into {rootfs} (about a minute)")
        subprocess.run(  # noqa: S603
            [  # noqa: S607
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,ca-certificates",
                "bookworm",
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            check=True,
            capture_output=True,
        )
        # The official images have `python` on PATH; bookworm's package names it python3.
        (rootfs / "usr/local/bin").mkdir(parents=True, exist_ok=True)
        (rootfs / "usr/local/bin/python").symlink_to("/usr/bin/python3")
        shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
        if PYTHON_IMAGE in missing:
            _say(f"importing {PYTHON_IMAGE}")
            _import_rootfs(rootfs, PYTHON_IMAGE)
        if NODE_IMAGE in missing:
            _add_host_node(rootfs)
            _say(f"importing {NODE_IMAGE}")
            _import_rootfs(rootfs, NODE_IMAGE)


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _image_label(tag: str, label: str) -> str | None:
    if not image_exists(tag):
        return None
    result = podman("image", "inspect", "--format", "{{json .Labels}}", tag)
    return (json.loads(result.stdout) or {}).get(label)


def ensure_service_standins(tags) -> None:
    """Builds the stand-ins for these image tags unless an up-to-date one is present; a tag
    with no stand-in folder is an error naming it."""
    unknown = sorted(set(tags) - set(SERVICE_STANDINS))
    if unknown:
        raise RuntimeError(f"no stand-in for {unknown}: add a folder under {STANDINS}")
    ensure_standin_images()
    for tag in sorted(set(tags)):
        folder = SERVICE_STANDINS[tag]
        digest = _folder_digest(folder)
        if _image_label(tag, STANDIN_DIGEST_LABEL) == digest:
            continue
        _say(f"building {tag} from bookworm's packages")
        result = podman(
            "build",
            "--pull=never",
            "--network",
            "host",
            "--label",
            f"{STANDIN_DIGEST_LABEL}={digest}",
            "-t",
            tag,
            str(folder),
            check=False,
            timeout=BUILD_TIMEOUT,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-4000:] + result.stderr[-4000:])


def _build_context_digest() -> str:
    """The Dockerfile and what .dockerignore lets into the build context (keep the two in
    step): an image labelled with the same digest is what a build would make again."""
    digest = hashlib.sha256()
    names = ["Dockerfile", ".dockerignore", "manage.py", "requirements.lock", "package.json"]
    paths = [ROOT / name for name in [*names, "package-lock.json"]]
    paths += sorted(
        path
        for path in (ROOT / "rubysound").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".mo"}
    )
    for path in paths:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_app_image() -> float:
    """Builds APP_IMAGE from the Dockerfile on the stand-ins, unless the image there was built
    from the same sources; returns the seconds the build took (0 when reused)."""
    ensure_standin_images()
    args = ["build", "--format", "docker", "--pull=never", "--network", "host"]
    # Registries are reached through this machine's TLS proxy: pip inside the build must
    # trust the same CA bundle as pip outside it.
    if HOST_CA_BUNDLE.exists():
        args += ["-v", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro"]
    if Path("/etc/pip.conf").exists():
        args += ["-v", "/etc/pip.conf:/etc/pip.conf:ro"]
    BUILD_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with BUILD_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        context = _build_context_digest()
        if _image_label(APP_IMAGE, CONTEXT_DIGEST_LABEL) == context:
            return 0.0
        started = time.monotonic()
        # The dependency stages get names of their own, so that clearing the previous builds'
        # leftovers below never clears the layer cache that keeps the next build fast.
        for stage in ("assets", "deps"):
            stage_args = [*args, "-t", f"{APP_IMAGE}-{stage}", "--target", stage, str(ROOT)]
            result = podman(*stage_args, check=False, timeout=BUILD_TIMEOUT)
            if result.returncode != 0:
                raise RuntimeError(result.stdout[-4000:] + result.stderr[-4000:])
        label = f"{CONTEXT_DIGEST_LABEL}={context}"
        result = podman(
            *args, "--label", label, "-t", APP_IMAGE, str(ROOT), check=False, timeout=BUILD_TIMEOUT
        )
        if result.returncode != 0:
            raise RuntimeError(result.stdout[-4000:] + result.stderr[-4000:])
        # Each build with changed sources leaves ~600 MB of untagged images behind.
        podman("image", "prune", "-f", "--filter", f"label={IMAGE_TITLE_LABEL}")
        return time.monotonic() - started


if __name__ == "__main__":
    ensure_standin_images()
    _say("ready")
