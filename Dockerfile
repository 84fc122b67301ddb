# monitor: the daemon in a slim image, installed from the same hash-pinned lock file as `make run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (cached layer): exactly the versions and hashes in requirements.lock.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY monitor ./monitor
# Compile bytecode once at build time: PYTHONDONTWRITEBYTECODE would otherwise make every process start
# (each poll worker too) compile every module again, 1.2-1.7 s each (bench/README.md).
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/python -m compileall -q /opt/venv \
    && useradd --uid 1000 --create-home --shell /usr/sbin/nologin monitor \
    && mkdir -p /app/storage \
    && chown monitor:monitor /app/storage
COPY feeds.yaml ./

ENV PATH=/opt/venv/bin:$PATH \
    MONITOR_CONFIG=/app/feeds.yaml \
    MONITOR_DB=/app/storage/monitor.db

USER 1000:1000
# The SQLite database (and digests written as .eml when SMTP is not configured) live here.
VOLUME ["/app/storage"]
# SIGTERM: the daemon finishes the write in flight and exits 0 within 10 s (Docker's default grace period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=60s --timeout=15s --start-period=120s --retries=3 CMD ["monitor", "health"]
CMD ["monitor", "run"]
