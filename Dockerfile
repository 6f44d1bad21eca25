# dlcards in a container: `docker compose up`, then http://127.0.0.1:8000
# Stage 1 installs the dependencies (cached until pyproject.toml changes); stage 2 adds the code.
FROM python:3.11-slim AS deps
WORKDIR /build
COPY pyproject.toml .
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir -r requirements.txt

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 dlcards \
 && mkdir /data && chown dlcards:dlcards /data
COPY --from=deps /venv /venv
WORKDIR /app
COPY alembic.ini pyproject.toml ./
COPY migrations/ migrations/
COPY app/ app/
COPY templates/ templates/
COPY static/ static/
COPY content/ content/
COPY docker/entrypoint.sh docker/entrypoint.sh
# Compiled here, as root: the server's user cannot write /app, so without its bytecode every
# start compiled all ~170 modules of the app again (about half a second of each start).
RUN /venv/bin/python -m compileall -q app
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    DLCARDS_DATABASE_URL=sqlite:////data/dlcards.db \
    DLCARDS_HOST=0.0.0.0 \
    DLCARDS_PORT=8000
USER 10001
VOLUME ["/data"]
EXPOSE 8000
# The check asks the port the server was told to use (DLCARDS_PORT), not a fixed 8000.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('DLCARDS_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
