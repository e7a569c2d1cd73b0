"""Settings, read from environment variables with defaults that run on a fresh clone.

Every variable is optional. The defaults give a single-machine install on SQLite in ``var/``.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("ZHILI_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database, task queue and models live here
# Where the shipped public data lives (compressed CSVs with their SOURCE.md).
DATA_DIR = Path(env_str("ZHILI_DATA_DIR", str(PROJECT_DIR / "data")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "zhili.organisation",
    "zhili.taxonomy",
    "zhili.workcalendar",
    "zhili.knowledge",
    "zhili.requests",
    "zhili.routing",
    "zhili.workflow",
    "zhili.imports",
    "zhili.assessment",
    "zhili.web",
    "zhili.open311",
    "zhili.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhili.web.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.web.middleware.ChosenLanguage",  # the cookie of set_language, else LANGUAGE_CODE
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.web.context_processors.zhili",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zhili.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while an import writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with one change: a batch of a few rows is inserted with VALUES, not UNNEST
    # (zhili/dbbackends/postgresql/compiler.py says why).
    DATABASES["default"]["ENGINE"] = "zhili.dbbackends.postgresql"
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters bound by the server, and a statement run DB_PREPARE_THRESHOLD times on one connection
    # prepared there (psycopg's automatic prepared statements; Django passes both options through).
    # With persistent connections (DB_CONN_MAX_AGE) the PostgreSQL backend then skips parsing and
    # planning the same INSERTs and UPDATEs: an Open311 POST cost its backend 1.15-1.23 ms of CPU
    # instead of 1.75-1.90 (benchmarks/open311_post_cpu.py, docs/open311.md). Behind PgBouncer in
    # transaction mode, set DB_PREPARE_THRESHOLD=0 (never prepare) unless it tracks prepared statements.
    # A prepared statement lives as long as its connection: restart the server and the worker after a
    # migration that changes a column ("cached plan must not change result type" until then; README).
    _prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=env_bool("DB_SERVER_SIDE_BINDING", True),
        prepare_threshold=_prepare_threshold if _prepare_threshold > 0 else None,
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:request-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
# The interface languages (each named in itself); the chosen one comes from the footer's switch
# (a cookie) or LANGUAGE_CODE, never from the browser (zhili.web.middleware.ChosenLanguage).
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Every business rule is computed in the district's local time (domain.md §2); storage is aware UTC.
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "zhili": {"handlers": ["console"], "level": env_str("ZHILI_LOG_LEVEL", "WARNING")},
        # 500s with their traceback, also when DEBUG is off.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- Zhili's own rules (domain.md §2, §4) -------------------------------------------------------
# Handle-and-reply limit in working days after dispatch (JN 24, SD): categories may override it.
ZHILI_DEFAULT_TIME_LIMIT_DAYS = env_int("ZHILI_DEFAULT_TIME_LIMIT_DAYS", 5)
# Does the dispatch day itself count as day one ("含本数", Guangzhou) or not (civil-law default)?
ZHILI_COUNT_START_DAY = env_bool("ZHILI_COUNT_START_DAY", False)
# A suggestion below this probability is not dispatched automatically: it waits for a dispatcher.
ZHILI_AUTO_DISPATCH_THRESHOLD = env_float("ZHILI_AUTO_DISPATCH_THRESHOLD", 0.6)
# Prefix of public request numbers, e.g. LX20261129-000123 (LX = 历下).
ZHILI_REQUEST_NUMBER_PREFIX = env_str("ZHILI_REQUEST_NUMBER_PREFIX", "LX")
# Where trained classifier artefacts are kept.
ZHILI_MODEL_DIR = Path(env_str("ZHILI_MODEL_DIR", str(VAR_DIR / "models")))

# --- Task queue (huey): SQLite file by default (no server), Redis when ZHILI_REDIS_URL is set ----
_REDIS_URL = env_str("ZHILI_REDIS_URL", "")
HUEY = {
    "name": "zhili",
    "immediate": env_bool("ZHILI_TASKS_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": 1, "worker_type": "thread", "periodic": True},
    **({"huey_class": "huey.RedisHuey", "url": _REDIS_URL} if _REDIS_URL else
       {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")}),
}
# Every this many minutes the worker issues yellow/red cards and escalates (SD17).
ZHILI_CARD_INTERVAL_MINUTES = env_int("ZHILI_CARD_INTERVAL_MINUTES", 10)

# --- Assessment, hotspots, early warning, reply quality (domain.md §3, §6) ------------------------
# The formulas are in zhili.assessment.formulas; these are their parameters (they vary by city).
# Weights of 响应率 / 解决率 / 满意率 in the composite score (BJ 32's published set: 0.1 / 0.5 / 0.4).
ZHILI_ASSESSMENT_WEIGHTS = tuple(float(w) for w in env_list("ZHILI_ASSESSMENT_WEIGHTS", "0.1,0.5,0.4"))
# Credit of a "basically satisfied" answer in 满意率 (0.9 in the published formula set).
ZHILI_BASIC_SATISFACTION_CREDIT = env_float("ZHILI_BASIC_SATISFACTION_CREDIT", 0.9)
# Monthly ranking: a unit needs this many valid follow-ups to be ranked; red list (红榜) from this
# composite score up, black list (黑榜) below that one (fractions 0–1).
ZHILI_RANKING_MIN_FOLLOWUPS = env_int("ZHILI_RANKING_MIN_FOLLOWUPS", 5)
ZHILI_RED_LIST_MIN_SCORE = env_float("ZHILI_RED_LIST_MIN_SCORE", 0.9)
ZHILI_BLACK_LIST_BELOW_SCORE = env_float("ZHILI_BLACK_LIST_BELOW_SCORE", 0.8)
# Hotspots (热点): days of requests analysed up to the month's end, half-life of a message's weight
# in the heat index, the text similarity (cosine, 0–1) that links two messages, the similarity of
# two groups' centres that merges them, and the people a group needs.
ZHILI_HOTSPOT_WINDOW_DAYS = env_int("ZHILI_HOTSPOT_WINDOW_DAYS", 90)
ZHILI_HOTSPOT_HALF_LIFE_DAYS = env_float("ZHILI_HOTSPOT_HALF_LIFE_DAYS", 30.0)
ZHILI_HOTSPOT_SIMILARITY = env_float("ZHILI_HOTSPOT_SIMILARITY", 0.35)
ZHILI_HOTSPOT_MERGE_SIMILARITY = env_float("ZHILI_HOTSPOT_MERGE_SIMILARITY", 0.4)
ZHILI_HOTSPOT_MIN_PEOPLE = env_int("ZHILI_HOTSPOT_MIN_PEOPLE", 3)
# Early warning (未诉先办): a week's count is flagged when ≥ min count, ≥ ratio × the baseline and
# its Poisson tail probability ≤ max p.
ZHILI_WARNING_MIN_COUNT = env_int("ZHILI_WARNING_MIN_COUNT", 5)
ZHILI_WARNING_MIN_RATIO = env_float("ZHILI_WARNING_MIN_RATIO", 1.5)
ZHILI_WARNING_MAX_P = env_float("ZHILI_WARNING_MAX_P", 0.01)
# Reply quality: weights of relevance / completeness / timeliness, and the text similarity that
# counts as fully relevant.
ZHILI_REPLY_QUALITY_WEIGHTS = tuple(float(w) for w in env_list("ZHILI_REPLY_QUALITY_WEIGHTS", "0.4,0.4,0.2"))
ZHILI_REPLY_RELEVANCE_FULL = env_float("ZHILI_REPLY_RELEVANCE_FULL", 0.2)
# Every this many minutes the worker brings the rollups up to date (pages also do it on read).
ZHILI_ROLLUP_INTERVAL_MINUTES = env_int("ZHILI_ROLLUP_INTERVAL_MINUTES", 5)

# --- Public interfaces: native REST API (/api/v1/) and Open311 GeoReport v2 (/open311/v2/) ---------
REST_FRAMEWORK = {
    # Session for the pages' own calls, a token (rest_framework.authtoken) for other systems.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Rates as DRF writes them ("600/min"); an Open311 client's own rate overrides open311_client.
    "DEFAULT_THROTTLE_RATES": {
        "api_user": env_str("ZHILI_API_USER_RATE", "1200/min"),
        "open311_client": env_str("ZHILI_OPEN311_CLIENT_RATE", "600/min"),
        "open311_anon": env_str("ZHILI_OPEN311_ANON_RATE", "300/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhili 治理 API",
    "DESCRIPTION": "工单的查询与流程操作接口，与页面同一套权限与规则。Open311 GeoReport v2 见 /open311/v2/。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["zhili.api.schema.only_native_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "zhili.api.schema.vendor_neutral"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SatisfactionEnum": "zhili.requests.choices.Satisfaction",
        "DeclineReasonEnum": "zhili.requests.choices.DeclineReason",
    },
    # Swagger UI from drf-spectacular-sidecar: served from our static files, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The jurisdiction_id this Open311 endpoint answers to (a different one is a 404).
ZHILI_OPEN311_JURISDICTION_ID = env_str("ZHILI_OPEN311_JURISDICTION_ID", "370102")
ZHILI_OPEN311_CONTACT = env_str("ZHILI_OPEN311_CONTACT", "济南市历下区 12345 市民服务热线")
