FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY backend backend
COPY network network
COPY mentoring mentoring
COPY manage.py schema.graphql ./
RUN pip install --no-cache-dir . \
    && DEBUG=1 DATABASE_URL=postgresql://build@localhost/none python manage.py collectstatic --no-input

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py load_demo && daphne -b 0.0.0.0 -p 8000 backend.asgi:application"]
