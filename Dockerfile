FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# The app runs as an unprivileged user; the code and collected static files belong to root, read-only to it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin app

# The locked versions first (requirements/base.txt, `make lock`): a layer kept while only the code changes.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY pyproject.toml README.md ./
COPY backend backend
COPY network network
COPY mentoring mentoring
COPY observatory observatory
COPY web web
COPY manage.py schema.graphql ./
COPY docker/entrypoint.sh /usr/local/bin/entrypoint
RUN pip install --no-cache-dir --no-deps . \
    && DEBUG=1 DATABASE_URL=postgresql://build@localhost/none python manage.py collectstatic --no-input

# The attachments' folder (the compose stack mounts a volume here): the app's user writes it.
RUN mkdir -p /data/media && chown app /data/media
ENV MEDIA_ROOT=/data/media
USER app
EXPOSE 8000
# `web` (uvicorn), `worker` or `migrate`: see docker/entrypoint.sh
ENTRYPOINT ["entrypoint"]
CMD ["web"]
