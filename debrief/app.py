"""The Flask application: settings, database, extensions, blueprints, errors."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from .auth.passwords import Hasher
from .config import PROJECT_ROOT, load_settings
from .db import make_engine, make_session_factory
from .extensions import CleanTextRequest

__all__ = ["create_app"]


def create_app(test_config: dict[str, Any] | None = None, *, check_schema: bool = True) -> Flask:
    """Build the application: settings, database, extensions, blueprints, errors, CLI."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    settings = load_settings(_instance_path(app, test_config), test_config)
    app.request_class = CleanTextRequest
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that holds it
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    _wire_database(app, check_schema)
    try:
        _wire_questions(app, check_schema)
        _wire_templates(app)
        _wire_extensions(app)
        _wire_blueprints(app)
    except BaseException:
        # An app that refuses to start (a broken question file) closes its database
        # connections now rather than leaving them to the garbage collector.
        app.extensions["debrief.engine"].dispose()
        raise
    return app


def _instance_path(app: Flask, test_config: dict[str, Any] | None):
    from pathlib import Path

    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = str(test_config["INSTANCE_PATH"])
    return Path(app.instance_path)


def _wire_questions(app: Flask, check_schema: bool) -> None:
    """Hold the question set new debriefs start on (the version last published). A new
    installation publishes its question file first; a broken one stops the app here."""
    from .questions.active import EXTENSION_KEY, ActiveQuestionSet

    holder = ActiveQuestionSet(app.extensions["debrief.engine"], app.config["QUESTIONS_PATH"])
    app.extensions[EXTENSION_KEY] = holder
    if check_schema:  # the command line seeds when it first needs the set
        holder.seed()


def _wire_database(app: Flask, check_schema: bool) -> None:
    from . import schema
    from .extensions import close_db_session, init_request_transactions

    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    if check_schema:
        try:
            schema.check_current(engine)
        except BaseException:
            engine.dispose()  # refused: the connection it opened to check is closed now
            raise
    app.extensions["debrief.engine"] = engine
    app.extensions["debrief.schema_head"] = schema.head_revision()  # for /readyz
    app.extensions["debrief.session_factory"] = make_session_factory(engine)
    app.extensions["debrief.hasher"] = Hasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_kib=app.config["ARGON2_MEMORY_KIB"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.teardown_appcontext(close_db_session)
    init_request_transactions(app)


def _wire_templates(app: Flask) -> None:
    from .workflow import State

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["State"] = State  # templates compare states as State.CLOSED
    WTFormsHelpers(app)


def _wire_extensions(app: Flask) -> None:
    from . import navigation, rate_limits, request_log, security
    from .auth import common as auth_common
    from .extensions import csrf, limiter, login_manager

    request_log.init_app(app)  # first: its after-request hook then runs last
    csrf.init_app(app)
    # The one Limiter adds each app's storage options to those of the apps before it: a
    # Redis store was handed the database engine of an app made earlier in the process.
    limiter._storage_options = {}
    if app.config["RATELIMIT_STORAGE_URI"].startswith(f"{rate_limits.SCHEME}://"):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": app.extensions["debrief.engine"]}
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    auth_common.init_sso(app)  # after security: its re-check runs once the session is checked
    navigation.init_app(app)
    _wire_filters(app)


# Every module that holds pages, by blueprint (its package's common.py, or its routes.py
# where that is the only one). Importing a module adds its pages to the blueprint.
VIEW_MODULES = {
    "main.routes": ["main.routes"],
    "auth.common": ["auth.routes", "auth.sso_views"],
    "debriefs.common": [
        "debriefs.routes",
        "debriefs.event_views",
        "debriefs.submit_views",
        "debriefs.imported_views",
    ],
    "review.common": ["review.routes", "review.action_views"],
    "exports.routes": ["exports.routes"],
    "admin.common": [
        "admin.routes",
        "admin.audit_views",
        "admin.list_views",
        "admin.question_views",
    ],
    "compliance.routes": ["compliance.routes"],
    "notifications.routes": ["notifications.routes"],
}


def _wire_blueprints(app: Flask) -> None:
    from . import errors

    for blueprint_module, view_modules in VIEW_MODULES.items():
        for name in view_modules:
            importlib.import_module(f"{__package__}.{name}")
        app.register_blueprint(importlib.import_module(f"{__package__}.{blueprint_module}").bp)
    errors.init_app(app)


def _wire_filters(app: Flask) -> None:
    from .timeutil import format_local

    app.add_template_filter(format_local, "local_datetime")
    app.add_template_filter(lambda v: format_local(v, with_time=False), "local_date")

    @app.context_processor
    def _settings():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "force_name": app.config["FORCE_NAME"],
            "protective_marking": app.config["PROTECTIVE_MARKING"],
        }
