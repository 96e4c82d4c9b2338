FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production
WORKDIR /app

# Runtime pins only: no test tools or browser driver in the image (requirements-dev.txt is for make setup).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The translation catalogues, compiled with Babel (the same step as `make setup`).
RUN for po in locale/*/LC_MESSAGES/*.po; do [ -e "$po" ] || continue; pybabel -q compile -i "$po" -o "${po%.po}.mo"; done
# collectstatic needs the required settings to import; these placeholders are not the runtime keys.
RUN SECRET_KEY=collectstatic-only-placeholder-not-the-runtime-key-0123456789 \
    AUDIT_KEY=collectstatic-only-placeholder-audit-key AUDIT_SIGNING_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    AUDIT_CHECKPOINT_FILE=/audit/checkpoints.jsonl ALLOWED_HOSTS=localhost SITE_URL=http://localhost python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 app && mkdir -p /audit && chown app /audit
# Patients' documents when no bucket is configured (docker-compose.yml mounts a private volume here).
RUN mkdir -p /app/var/documents && chown app /app/var/documents && chmod 700 /app/var/documents
USER app
EXPOSE 8000
# config/gunicorn.py: the timeout (the EHR tab streams its FHIR export for a minute or more at a busy clinic)
# and the request line and header limits.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
