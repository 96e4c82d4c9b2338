"""Settings for every environment, read from the environment (django-environ).

With nothing set, the app runs on embedded defaults: a SQLite file, Celery tasks run eagerly,
e-mail printed to the console. `DJANGO_ENV=production` turns on the production checks.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without it
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
    DEBUG = env.bool("DEBUG", default=False)
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-5f1c")
    DEBUG = env.bool("DEBUG", default=True)

# The audit log (core.audit): each event carries an HMAC-SHA256 under AUDIT_KEY (not in the database, not
# SECRET_KEY), named by AUDIT_KEY_ID so the key can be rotated (AUDIT_PREVIOUS_KEYS: "id=key,id=key" still
# verifies older events). The chain's head is signed with an Ed25519 key (AUDIT_SIGNING_KEY: base64 of a
# 32-byte seed) into AUDIT_CHECKPOINT_FILE, append-only, outside the database. `manage.py audit_keygen`
# prints fresh values. Development derives both keys from SECRET_KEY and writes under var/; production
# refuses to start without them.
if PRODUCTION:
    AUDIT_KEY = env.str("AUDIT_KEY")
    AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY")
    AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE")
    if len(AUDIT_KEY) < 32 or AUDIT_KEY == SECRET_KEY:
        raise ImproperlyConfigured("AUDIT_KEY must be a random value of at least 32 characters, not SECRET_KEY.")
else:
    import hashlib as _hashlib
    from base64 import b64encode as _b64encode

    def _derived(label: str) -> bytes:
        return _hashlib.sha256(f"{label}:{SECRET_KEY}".encode()).digest()

    AUDIT_KEY = env.str("AUDIT_KEY", default="") or _derived("audit-mac").hex()
    AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="") or _b64encode(_derived("audit-sign")).decode()
    AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default=str(BASE_DIR / "var" / "audit-checkpoints.jsonl"))
AUDIT_KEY_ID = env.str("AUDIT_KEY_ID", default="1")
AUDIT_PREVIOUS_KEYS = env.dict("AUDIT_PREVIOUS_KEYS", default={})

# the load benchmark (benchmarks/load/)'s ceiling view (/bench/bare); off unless asked for, and never in production.
BENCHMARK_ENDPOINTS = env.bool("BENCHMARK_ENDPOINTS", default=False) and not PRODUCTION

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "localflavor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    "clinics",
    "intake",
    "screening",
    "scheduling",
    "patients",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: an oversized request is refused from its Content-Length (413).
    "core.middleware.RequestSizeLimitMiddleware",
    # A SQLite write lock held past the busy timeout: a "try again" page, not a 500.
    "core.middleware.DatabaseBusyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the signed-in user's choice (core.middleware.UserLanguageMiddleware below), else the
    # language cookie set by the switch, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every response to a signed-in person: Cache-Control no-store (a shared computer keeps no patient page).
    "core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTPMiddleware and MessageMiddleware: signs out idle or too-old sessions, with a message.
    "core.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# WhiteNoise serves static files in every environment, so `make run` and production serve them the same
# way (runserver's own handler is off: whitenoise.runserver_nostatic). In development it reads the files
# from the finders (no collectstatic needed) and notices edits; production serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Widgets render with the project's template engine (templates/django/forms/), the common ones in Python.
FORM_RENDERER = "core.form_renderer.FormRenderer"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.account",
            ],
        },
    },
]

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Template fragments that are the same for every viewer ({% cache ... using="fragments" %}: the page's top
    # and footer, the state list), per language: in each process's memory, as they depend only on the code.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # JIT compiling the dashboard's aggregates cost seconds for milliseconds of work (benchmarks/README.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default holds concurrent writers like PostgreSQL: a transaction takes the write lock when
    # it starts (no deadlocked read-then-write upgrade), a writer waits for the lock instead of failing at
    # once, and readers never wait for a writer (WAL). A lock still held after the timeout is a refusal,
    # never a 500 (core.middleware.DatabaseBusyMiddleware).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# Argon2id with OWASP's parameters first (core.hashers); a PBKDF2 hash is rehashed at its next sign-in.
PASSWORD_HASHERS = [
    "core.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
# Catalogues: locale/<lang>/LC_MESSAGES/django.po (and djangojs.po); `make setup` compiles the .mo files.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Patients' documents (intake.Document): private, never under STATIC_URL or any public URL; read only through
# access-checked download views. S3-compatible object storage when DOCUMENTS_S3_BUCKET is set, otherwise a folder
# outside static/ (DOCUMENTS_ROOT, by default var/documents, git-ignored). Tests use a temporary folder.
# `check --deploy` fails in production when neither is set (intake/checks.py).
DOCUMENTS_S3_BUCKET = env.str("DOCUMENTS_S3_BUCKET", default="")
DOCUMENTS_ROOT_GIVEN = bool(env.str("DOCUMENTS_ROOT", default=""))
if DOCUMENTS_S3_BUCKET:
    DOCUMENTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOCUMENTS_S3_REGION", default="") or None,
            # Empty: boto3's own chain (instance role, AWS_* variables, ~/.aws).
            "access_key": env.str("DOCUMENTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("DOCUMENTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("DOCUMENTS_S3_PREFIX", default="documents"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
else:
    DOCUMENTS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("DOCUMENTS_ROOT", default=BASE_DIR / "var" / "documents"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": DOCUMENTS_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Request bodies: a form post (fields only) stays small; a view that takes uploads says so itself
# (core.middleware.allow_body_size). Checked from Content-Length before the body is read, then by Django.
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=1024 * 1024)
UPLOAD_MAX_BODY_BYTES = env.int("UPLOAD_MAX_BODY_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# E-mail: console by default; EMAIL_URL (smtp://user:pass@host:587) in production.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# The sender's name says nothing about the care (a lock screen shows it); a clinic may set its own discreet
# name (Clinic.email_sender_name), which replaces this one's name, never its address.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Patient Portal <no-reply@localhost>")
# The public address in links (core/site.py): e-mails are rendered by Celery without a request, so production
# must name it (no default); `make run` passes the address it serves, and development pages read the request.
SITE_URL = env.str("SITE_URL") if PRODUCTION else env.str("SITE_URL", default="http://127.0.0.1:8000")
# The FHIR base (https://ehr-api.example.org/fhir/R4): every fullUrl, link and canonical the FHIR API and exports
# give is made on it. Empty: SITE_URL + /fhir/R4 (in development, the host the request came in on).
FHIR_BASE_URL = env.str("FHIR_BASE_URL", default="")
# Bulk Data $export: how long the files of a finished export can be downloaded (hours), where they are written.
FHIR_EXPORT_HOURS = env.int("FHIR_EXPORT_HOURS", default=24)
# Patients per part of an $export job: a killed worker redoes at most one part.
FHIR_EXPORT_PART_PATIENTS = env.int("FHIR_EXPORT_PART_PATIENTS", default=500)
# SMART Backend Services: how long an access token lasts (seconds; the spec suggests at most 300).
SMART_TOKEN_SECONDS = env.int("SMART_TOKEN_SECONDS", default=300)
# Bounds one SMTP conversation, well inside the outbox's sending lease (core/outbox.py LEASE).
EMAIL_TIMEOUT = 10

# Celery: a real broker when REDIS_URL is set; otherwise tasks run in-process, eagerly.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A frozen or absent Redis must never hang a request: bounded connects and socket reads, no publish retries.
# Measured (tests/faults/test_redis_down.py): delay() fails in ~0.1 s on a dead Redis, ~2 s on a frozen one.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    # Longer than the longest task (CELERY_TASK_TIME_LIMIT): an acks_late task is redelivered only if
    # its worker died, never while it still runs.
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 2
# The result backend's own reconnect loop (20 tries by default) would otherwise hold delay() for ~20 s.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# acks_late is set per task, only on tasks that are safe to run twice; one message at a time per process.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# config/celery_app.py closes worker connections as Django does between requests (CONN_MAX_AGE, health
# checks); Celery would otherwise close them around every task, a new PostgreSQL backend per task.
CELERY_DB_REUSE_MAX = 1_000_000_000
CELERY_TASK_SOFT_TIME_LIMIT = 840
CELERY_TASK_TIME_LIMIT = 900
# Beat: resend what the outbox could not send at once, and escalate late review cases.
# `expires`: runs missed while workers were down are dropped, not piled up (the next one does the work).
CELERY_BEAT_SCHEDULE = {
    "outbox-resend-due": {
        "task": "core.tasks.outbox_resend_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "cases-escalate": {
        "task": "screening.tasks.cases_escalate",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "appointment-reminders": {
        "task": "scheduling.tasks.appointment_reminders_due",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "dashboard-refresh": {
        "task": "dashboard.tasks.dashboard_refresh",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # The audit chain's head, signed, outside the database; then the whole chain checked against it.
    "audit-checkpoint": {
        "task": "core.tasks.audit_checkpoint",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "audit-verify": {
        "task": "core.tasks.audit_verify",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    "bulk-exports-expire": {
        "task": "screening.tasks.bulk_exports_expire",
        "schedule": 600.0,
        "options": {"expires": 590},
    },
}
# Routine new-case e-mails to one psychiatrist are gathered into one e-mail per window (urgent ones are not).
NOTIFICATION_DIGEST_WINDOW = timedelta(minutes=60)
# A coordinator may mark a patient unreachable after this many unanswered calls.
WORKLIST_UNREACHABLE_AFTER = 3

# Sign-in hardening.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock the account from the address it is attacked from, not everyone behind a clinic's shared IP.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
# Per account, whatever the address (credential stuffing, a botnet guessing one password): past this many
# failures in the window, signing in to the account pauses for the cool-off, and its owner gets an e-mail
# with a one-click unlock (clinic admins are told about a staff account). core.services.account_*.
ACCOUNT_FAILURE_LIMIT = env.int("ACCOUNT_FAILURE_LIMIT", default=10)
ACCOUNT_FAILURE_WINDOW = timedelta(minutes=env.int("ACCOUNT_FAILURE_WINDOW_MINUTES", default=15))
ACCOUNT_LOCK_TIME = AXES_COOLOFF_TIME
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Ketamine Clinic Intake")
# The demo's fixed TOTP secret is for `make run` only; production refuses to load it.
DEMO_TOTP_ENABLED = not PRODUCTION

STAFF_IDLE_TIMEOUT = timedelta(minutes=env.int("STAFF_IDLE_MINUTES", default=15))
PATIENT_IDLE_TIMEOUT = timedelta(minutes=env.int("PATIENT_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Request logs can carry URLs and form errors; keep them at WARNING and free of bodies.
    "loggers": {"django.request": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
