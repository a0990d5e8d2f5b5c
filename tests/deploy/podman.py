"""Podman on this machine, for the image smoke test (see ../../../shared/OPS-TOOLING.md).

No registry is reachable, so the Dockerfile's base images are stand-ins built here once and
kept in podman's image store (later runs find them in seconds):

- ``python:3.11-slim-bookworm``: a Debian bookworm ``debootstrap --variant=minbase`` with
  Python 3.11 (bookworm's own), ca-certificates and venv;
- ``node:20-bookworm-slim``: the same root filesystem plus this machine's Node.js and npm.

``python -m tests.deploy.podman`` builds them ahead of time (with progress).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "tests" / "deploy" / "containers.conf"
PYTHON_IMAGE = "python:3.11-slim-bookworm"
NODE_IMAGE = "node:20-bookworm-slim"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


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


if __name__ == "__main__":
    ensure_standin_images()
    _say("ready")
