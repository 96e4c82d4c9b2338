"""gunicorn's settings for production (docker-compose.yml, the Dockerfile): `gunicorn -c config/gunicorn.py`.

gunicorn bounds the request line and headers; it has no body limit of its own, so the body is bounded by
Django (core.middleware.RequestSizeLimitMiddleware reads Content-Length before anything reads the body, and
DATA_UPLOAD_MAX_MEMORY_SIZE). A proxy in front should set the same limit (nginx: client_max_body_size).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 120)
accesslog = "-"
# Request line, header count and header size: gunicorn answers 414 or 431 past these, before Django sees the request.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
