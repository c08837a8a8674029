"""OIC Debrief: structured debriefs after organised immigration crime events."""

from __future__ import annotations

from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from .config import PROJECT_ROOT, SettingsError, load_settings
from .db import make_engine, make_session_factory
from .passwords import Hasher

__all__ = ["create_app", "SettingsError"]


def create_app(test_config: dict[str, Any] | None = None, *, check_schema: bool = True) -> Flask:
    """Build the application: settings, database, extensions, blueprints, errors, CLI."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    settings = load_settings(_instance_path(app, test_config), test_config)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that holds it
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    _wire_questions(app)
    _wire_database(app, check_schema)
    _wire_templates(app)
    _wire_extensions(app)
    _wire_blueprints(app)
    return app


def _instance_path(app: Flask, test_config: dict[str, Any] | None):
    from pathlib import Path

    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = str(test_config["INSTANCE_PATH"])
    return Path(app.instance_path)


def _wire_questions(app: Flask) -> None:
    """Load the question set new debriefs start on; a broken file stops the app here."""
    from .active_questions import EXTENSION_KEY, ActiveQuestionSet

    app.extensions[EXTENSION_KEY] = ActiveQuestionSet(app.config["QUESTIONS_PATH"])


def _wire_database(app: Flask, check_schema: bool) -> None:
    from . import schema
    from .extensions import close_db_session, init_request_transactions

    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    if check_schema:
        schema.check_current(engine)
    app.extensions["debrief.engine"] = engine
    app.extensions["debrief.session_factory"] = make_session_factory(engine)
    app.extensions["debrief.hasher"] = Hasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_kib=app.config["ARGON2_MEMORY_KIB"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.teardown_appcontext(close_db_session)
    init_request_transactions(app)


def _wire_templates(app: Flask) -> None:
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
    WTFormsHelpers(app)


def _wire_extensions(app: Flask) -> None:
    from . import navigation, security
    from .extensions import csrf, limiter, login_manager

    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    navigation.init_app(app)
    _wire_filters(app)


def _wire_blueprints(app: Flask) -> None:
    from . import errors
    from .admin.routes import bp as admin_bp
    from .auth.routes import bp as auth_bp
    from .compliance.routes import bp as compliance_bp
    from .debriefs.routes import bp as debriefs_bp
    from .exports.routes import bp as exports_bp
    from .main.routes import bp as main_bp
    from .review.routes import bp as review_bp

    for blueprint in (main_bp, auth_bp, debriefs_bp, review_bp, exports_bp, admin_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(compliance_bp)
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
