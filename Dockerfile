FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first (a layer that only changes with the lock), then the code.
COPY pyproject.toml README.md ./
COPY requirements ./requirements
RUN pip install -c requirements/constraints.txt ".[s3]"

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 byline && mkdir -p /app/media && chown byline /app/media

USER byline
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi --config deploy/gunicorn.conf.py"]
