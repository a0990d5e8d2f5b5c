# RubySound.fm: `docker build -t music-platform .` (see README, "Deployment").
#
# Four stages: the front-end libraries (npm ci), the Python dependencies (from the lock, in a
# layer of their own, rebuilt only when requirements.lock changes), the build (static files
# hashed and compressed, translations compiled) and the runtime, which carries the results
# and no compiler, npm or pip cache. The runtime runs as uid 10001 and writes only to /tmp and
# its volumes (/data), so it works with a read-only root filesystem.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
COPY requirements.lock /tmp/requirements.lock
# Wheels only: a package that would need a compiler fails the build instead of quietly
# pulling build tools in.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: \
      -r /tmp/requirements.lock

FROM python:3.11-slim-bookworm AS build
LABEL org.opencontainers.image.title="RubySound.fm"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY --from=deps /opt/venv /opt/venv
COPY . .
COPY --from=assets /build/node_modules /app/node_modules
# Production settings need a key and hosts to load; these exist only during the build.
RUN RUBYSOUND_PROFILE=production SECRET_KEY=build-only ALLOWED_HOSTS=build \
    RUBYSOUND_VAR_DIR=/tmp/build-var STATIC_ROOT=/app/staticfiles \
      python manage.py collectstatic --noinput --verbosity 0 \
 && python manage.py compile_translations --force \
 && rm -rf /app/node_modules /tmp/build-var \
 && python -m compileall -q rubysound

FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="RubySound.fm" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"
# pg_dump/pg_restore for `manage.py backup` (the same major version as the PostgreSQL we run);
# ffmpeg for transcoding the Subsonic streams.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 rubysound \
 && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home \
      --shell /usr/sbin/nologin rubysound \
 && mkdir -p /data/media /data/library \
 && chown -R 10001:10001 /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    RUBYSOUND_PROFILE=production \
    RUBYSOUND_VAR_DIR=/tmp/rubysound \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    RUBYSOUND_LIBRARY_DIRS=/data/library \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
COPY --from=deps /opt/venv /opt/venv
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"]
# Exec form: the server is PID 1's only child of note and gets SIGTERM itself.
ENTRYPOINT ["python", "-m", "rubysound.core.server"]
