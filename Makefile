# RubySound: `make run` serves the platform, `make test` runs the whole suite.
# Both set up everything they need on a fresh machine that has Python 3.11 and make.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= 1
export UV_PYTHON_DOWNLOADS := never
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-fast lint format serve migrate lock superuser clean help screenshots k8s-secrets \
	monitoring-manifests

help:
	@echo "make run        set up, migrate, load demo data and serve on http://$(HOST):$(PORT) (with the scrobble worker)"
	@echo "make test       set up and run ruff, lint-imports and the whole pytest suite"
	@echo "make test-fast  ruff and the tests that start no server, browser or deploy tool"
	@echo "make lock       re-resolve requirements*.lock from pyproject.toml"
	@echo "make superuser  create an admin account"
	@echo "make screenshots  PNGs of the main pages (both themes, desktop and phone) in var/screenshots/"
	@echo "make k8s-secrets  write k8s/db-secrets.yml with random values (git-ignored; see README)"
	@echo "make monitoring-manifests  write k8s/monitoring/ from the rules and dashboard in monitoring/"

$(BIN)/uv:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: RubySound needs Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Stamps make a second run skip installation unless a lock file changed.
$(VENV)/.run-deps: requirements.lock | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	@touch $@

$(VENV)/.dev-deps: requirements-dev.lock | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	@touch $@ $(VENV)/.run-deps

# Front-end libraries from the npm registry (package-lock.json pins them), served by us.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: RubySound's web pages need Node.js and npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

migrate: $(VENV)/.run-deps node_modules/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compile_translations

run: migrate
ifeq ($(strip $(RUBYSOUND_LIBRARY_DIRS)),)
	@# No library configured: a generated demo library (idempotent, seconds when present).
	$(BIN)/python manage.py demo_library
else
	@# The operator's own music: an incremental scan, nothing written into their folders.
	$(BIN)/python manage.py scan_library
endif
	@echo ""
	@echo "  RubySound is starting on http://$(HOST):$(PORT)/"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/"
	@echo "  Create an admin: make superuser   (or $(BIN)/python manage.py createsuperuser)"
	@echo ""
	@# Each worker writes its metrics here and /metrics adds them up; stale files from an
	@# earlier run would be counted again, so the folder starts empty.
	rm -rf var/prometheus && mkdir -p var/prometheus
	@# The scrobble worker runs beside the server (its counters in the same folder) and stops
	@# with it: on Ctrl-C both get SIGINT; when uvicorn ends otherwise the trap stops it.
	PROMETHEUS_MULTIPROC_DIR=var/prometheus $(BIN)/python manage.py scrobble_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	PROMETHEUS_MULTIPROC_DIR=var/prometheus $(BIN)/uvicorn rubysound.asgi:application --host $(HOST) --port $(PORT) \
		--workers $(WEB_CONCURRENCY) --loop uvloop --http rubysound.core.connections:HttpToolsProtocol \
		--no-proxy-headers --no-server-header --timeout-graceful-shutdown 25

superuser: migrate
	$(BIN)/python manage.py createsuperuser

# lint-imports holds the layer order and the apps' public faces ([tool.importlinter] in
# pyproject.toml; the public_faces contract type is tests/architecture/import_contracts.py).
lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The browser tests (tests/browser) drive Debian's Chromium through Playwright; Playwright's
# own browser downloads are never used (the machine reaches package registries only).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "$(CHROMIUM) not found and no apt-get: install Chromium"; exit 1; }
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

# Transcoding (the Subsonic `stream` with a format or a bitrate) runs Debian's ffmpeg; its
# tests decode the output with ffprobe, from the same package.
FFMPEG := /usr/bin/ffmpeg

$(FFMPEG):
	@command -v apt-get >/dev/null || { echo "$(FFMPEG) not found and no apt-get: install ffmpeg"; exit 1; }
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg

# Deployment checks (tests/deploy): yamllint, hadolint, checkov, kubernetes-validate and
# check-jsonschema live in their own pinned environment, apart from the app's dependencies.
OPS_VENV := .venv-ops

$(OPS_VENV)/.ops-deps: requirements-ops.lock | $(BIN)/uv
	@test -x $(OPS_VENV)/bin/python || $(PYTHON) -m venv $(OPS_VENV)
	$(BIN)/uv pip sync --quiet --python $(OPS_VENV)/bin/python requirements-ops.lock
	@touch $@

# The image smoke test (tests/deploy/test_image.py) and the pod test (test_pods.py) build and
# run the image with Debian's podman, on stand-in base images made with debootstrap (no
# registry is needed). Where they cannot be installed (no apt-get, or not root) the suite
# still runs: those tests are skipped with a message naming what is missing (CI makes that a
# failure).
PODMAN := /usr/bin/podman
DEBOOTSTRAP := /usr/sbin/debootstrap
PODMAN_PACKAGES := podman buildah skopeo runc crun catatonit uidmap slirp4netns fuse-overlayfs \
	debootstrap

$(PODMAN) $(DEBOOTSTRAP):
	@if ! command -v apt-get >/dev/null; then \
		echo "make: $@ not found and no apt-get to install it: the image smoke test will be skipped"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "make: $@ not found and apt-get needs root: the image smoke test will be skipped"; \
	else \
		echo "apt-get install $(PODMAN_PACKAGES)"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $(PODMAN_PACKAGES); \
	fi

# The monitoring checks (tests/deploy/test_monitoring*.py) run Debian's promtool and
# prometheus, from one package. Without apt-get or root they are skipped, saying so (CI makes
# that a failure). The package starts a server on :9090 where an init system runs it: the
# tests start their own, so it is stopped.
PROMETHEUS := /usr/bin/prometheus

$(PROMETHEUS):
	@if ! command -v apt-get >/dev/null; then \
		echo "make: $@ not found and no apt-get to install it: the monitoring checks will be skipped"; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "make: $@ not found and apt-get needs root: the monitoring checks will be skipped"; \
	else \
		echo "apt-get install prometheus"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends prometheus; \
		if command -v service >/dev/null; then service prometheus stop >/dev/null 2>&1 || true; fi; \
	fi

# pytest-xdist processes for both test targets (0: the tests run in pytest's own process).
# PYTEST_ARGS goes last: e.g. PYTEST_ARGS="tests/social -x" or PYTEST_ARGS='-m "not browser"'.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test: lint $(CHROMIUM) $(FFMPEG) node_modules/.installed $(OPS_VENV)/.ops-deps $(PODMAN) $(DEBOOTSTRAP) \
		$(PROMETHEUS)
	$(BIN)/python manage.py compile_translations
	CHROMIUM_PATH=$(CHROMIUM) $(PYTEST) $(PYTEST_ARGS)

# The inner loop: lint, then every test that starts no server process, browser or deploy tool
# (see the markers in pyproject.toml). Installs only the dev dependencies.
test-fast: lint
	$(BIN)/python manage.py compile_translations
	$(PYTEST) -m "not server and not browser and not deploy" $(PYTEST_ARGS)

# A throwaway install under var/screenshots-db/ (demo library, two users), pictured by Chromium.
screenshots: $(VENV)/.dev-deps $(CHROMIUM) node_modules/.installed
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/python scripts/screenshots.py

lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--extra dev pyproject.toml -o requirements-dev.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		requirements-ops.in -o requirements-ops.lock

# k8s/monitoring/prometheusrule.yaml and grafana-dashboard.yaml hold the plain files of
# monitoring/ (a test fails when they differ): run this after editing those.
monitoring-manifests:
	$(PYTHON) scripts/monitoring_manifests.py

# Kubernetes secrets for `kubectl apply -f k8s/db-secrets.yml`: random, never committed.
k8s-secrets:
	$(PYTHON) scripts/k8s_secrets.py

clean:
	rm -rf $(VENV) $(OPS_VENV) .pytest_cache .ruff_cache
