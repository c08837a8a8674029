"""Settings: defaults here, then instance/config.toml, then DEBRIEF_* environment
variables, then the test configuration. Checked once at start-up so that a wrong
setting stops the app with a message naming it, never a traceback later."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_FILE_NAME = "secret_key"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says how to fix it."""


DEFAULTS: dict[str, Any] = {
    "SERVICE_NAME": "OIC Debrief",
    "FORCE_NAME": "Example Constabulary",
    "PROTECTIVE_MARKING": "OFFICIAL-SENSITIVE",
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SECRET_KEY": None,  # None: generated into the instance folder on first start
    "QUESTIONS_PATH": str(PROJECT_ROOT / "questions.toml"),
    "DISTRICTS": [
        "North",
        "South",
        "East",
        "West",
        "Central",
        "Coastal",
    ],
    # Force incident reference, e.g. "INC-20250614-0123".
    "INCIDENT_REF_PATTERN": r"^INC-\d{8}-\d{4}$",
    "INCIDENT_REF_EXAMPLE": "INC-20250614-0123",
    "NCCU_REF_PATTERN": r"^NCCU-\d{6,10}$",
    "NCCU_REF_EXAMPLE": "NCCU-2025061401",
    # Crime references as forces write them, e.g. "CR/012345/25", "CRN 1234567/25" or
    # "43/123456/25": refused in an action's partner summary (review/partner_summary.py).
    "CRIME_REF_PATTERN": (
        r"^(?:CR(?:IS|N|I)?[ /-]?\d{5,10}(?:[ /-]\d{2}(?:\d{2})?)?"
        r"|\d{2}/\d{5,8}/\d{2}(?:\d{2})?)$"
    ),
    "REVIEW_TARGET_WORKING_DAYS": 5,
    "BANK_HOLIDAY_DIVISION": "england-and-wales",
    "QUEUE_PAGE_SIZE": 50,
    "SMALL_NUMBER_THRESHOLD": 3,
    "RETENTION_YEARS": 6,
    "SESSION_IDLE_MINUTES": 30,
    # The absolute limit: SESSION_MAX_MINUTES when set, else SESSION_MAX_HOURS (older installs).
    "SESSION_MAX_MINUTES": None,
    "SESSION_MAX_HOURS": 12,
    # What a person typed into a page that could not be saved is kept this long for them.
    "KEPT_FORM_DAYS": 3,
    "LOCKOUT_THRESHOLD": 5,
    "LOCKOUT_WINDOW_MINUTES": 15,
    # The app's own database: every worker and server counts together (rate_limits.py).
    "RATELIMIT_STORAGE_URI": "database://",
    "SIGN_IN_RATE_LIMIT": "30 per minute",
    "PROXY_FIX_HOPS": 0,
    "PREFER_HTTPS": False,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    # argon2id cost: the OWASP minimum is 19 MiB, t=2; the tests lower it for speed.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "ARGON2_PARALLELISM": 1,
    # Imports (NCCU referral list, command-and-control events): column headings by field.
    "NCCU_IMPORT_COLUMNS": {
        "nccu_reference": "NCCU reference",
        "referred_at": "Referral date and time",
        "force_reference": "Force reference",
        "district": "District",
        "intel_doc_received": "Intelligence document received",
        "intel_doc_received_at": "Intelligence document received date",
    },
    "EVENTS_IMPORT_COLUMNS": {
        "incident_ref": "Incident reference",
        "reported_at": "Date and time reported",
        "district": "District",
        "location_type": "Location type",
        "event_type": "Event type",
        "adults": "Adults",
        "accompanied_children": "Accompanied children",
        "unaccompanied_children": "Unaccompanied children",
        "age_disputed": "Age disputed",
        "arrested": "Arrested",
        "injured": "Injured",
        "died": "Died",
        "missing": "Missing",
        "nccu_reference": "NCCU reference",
    },
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 50_000,
    # Reconciliation: an event with no debrief this many days after it is listed.
    "DEBRIEF_DUE_DAYS": 7,
    # An NCCU referral this close in time to an event in its district is suggested as a match.
    "NCCU_MATCH_WINDOW_HOURS": 12,
    # The daily digest by email (`debrief notify`): nothing is sent while SMTP_HOST is unset.
    # The address people open the service at, for the digest's link (no path after it).
    "SERVICE_BASE_URL": None,
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_STARTTLS": True,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,  # DEBRIEF_SMTP_PASSWORD in the environment, not the file
    "SMTP_FROM": None,  # the digest's sender address
    # A CA bundle to check the mail server's certificate with (else the system's).
    "SMTP_CA_FILE": None,
    "SMTP_TIMEOUT_SECONDS": 30,
    # Single sign-on with the force's OpenID Connect provider (auth/sso.py). Off while
    # SSO_DISCOVERY_URL is unset: the service then signs in with its own passwords only.
    "SSO_DISCOVERY_URL": None,  # https://login.microsoftonline.com/TENANT/v2.0/.well-known/...
    "SSO_CLIENT_ID": None,
    "SSO_CLIENT_SECRET": None,
    "SSO_SCOPES": "openid profile email",
    # The ID token claim carrying app roles or groups, and what each value grants here.
    "SSO_ROLES_CLAIM": "roles",
    "SSO_ROLE_MAP": {},  # {"Debrief.Sergeant": "sergeant", "GROUP-ID": ["hub_reviewer", ...]}
    # The claim matched against an existing username (an administrator confirms the link)
    # and used as the username of an account made at first sign-in.
    "SSO_USERNAME_CLAIM": "preferred_username",
    "SSO_NAME_CLAIM": "name",
    "SSO_PROVIDER_NAME": None,  # "Sign in with <this> account"; FORCE_NAME when unset
    # "everyone": local passwords still work for all; "admins": only administrators (break-glass).
    "SSO_LOCAL_SIGN_IN": "everyone",
    # Roles and the account's state at the provider are checked again this often (prompt=none).
    "SSO_RECHECK_MINUTES": 60,
    "SSO_CLOCK_SKEW_SECONDS": 60,
    "SSO_HTTP_TIMEOUT_SECONDS": 10,
}

# Types the checker enforces; lists of strings are given as JSON in the environment.
_INT_SETTINGS = {
    "REVIEW_TARGET_WORKING_DAYS": (1, 60),
    "QUEUE_PAGE_SIZE": (5, 500),
    "SMALL_NUMBER_THRESHOLD": (0, 100),
    "RETENTION_YEARS": (1, 100),
    "SESSION_IDLE_MINUTES": (1, 24 * 60),
    "SESSION_MAX_HOURS": (1, 72),
    "KEPT_FORM_DAYS": (1, 30),
    "LOCKOUT_THRESHOLD": (1, 100),
    "LOCKOUT_WINDOW_MINUTES": (1, 24 * 60),
    "PROXY_FIX_HOPS": (0, 5),
    "MAX_CONTENT_LENGTH": (1024, 1024 * 1024 * 1024),
    "SQLITE_BUSY_TIMEOUT_MS": (0, 600_000),
    "ARGON2_TIME_COST": (1, 20),
    "ARGON2_MEMORY_KIB": (8, 4 * 1024 * 1024),
    "ARGON2_PARALLELISM": (1, 16),
    "IMPORT_MAX_BYTES": (1024, 1024 * 1024 * 1024),
    "IMPORT_MAX_ROWS": (1, 1_000_000),
    "DEBRIEF_DUE_DAYS": (1, 365),
    "NCCU_MATCH_WINDOW_HOURS": (1, 168),
    "SMTP_PORT": (1, 65535),
    "SMTP_TIMEOUT_SECONDS": (1, 600),
    "SSO_RECHECK_MINUTES": (5, 60),
    "SSO_CLOCK_SKEW_SECONDS": (0, 300),
    "SSO_HTTP_TIMEOUT_SECONDS": (1, 60),
}
# Whole numbers that may be left unset (None): a default is worked out from other settings.
_OPTIONAL_INT_SETTINGS = {"SESSION_MAX_MINUTES": (1, 72 * 60)}
_STR_SETTINGS = {
    "SERVICE_NAME",
    "FORCE_NAME",
    "PROTECTIVE_MARKING",
    "QUESTIONS_PATH",
    "INCIDENT_REF_PATTERN",
    "INCIDENT_REF_EXAMPLE",
    "NCCU_REF_PATTERN",
    "NCCU_REF_EXAMPLE",
    "CRIME_REF_PATTERN",
    "BANK_HOLIDAY_DIVISION",
    "RATELIMIT_STORAGE_URI",
    "SIGN_IN_RATE_LIMIT",
    "SSO_SCOPES",
    "SSO_ROLES_CLAIM",
    "SSO_USERNAME_CLAIM",
    "SSO_NAME_CLAIM",
    "SSO_LOCAL_SIGN_IN",
}
# Text that may be left unset (None).
_OPTIONAL_STR_SETTINGS = {
    "SSO_DISCOVERY_URL",
    "SSO_CLIENT_ID",
    "SSO_CLIENT_SECRET",
    "SSO_PROVIDER_NAME",
    "SERVICE_BASE_URL",
    "SMTP_HOST",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_CA_FILE",
}
_LIST_SETTINGS = {"DISTRICTS"}
_BOOL_SETTINGS = {"PREFER_HTTPS", "SMTP_STARTTLS"}
# Field -> column heading maps; a partial map overrides only the headings it names.
_COLUMN_MAP_SETTINGS = {"NCCU_IMPORT_COLUMNS", "EVENTS_IMPORT_COLUMNS"}
_REGEX_SETTINGS = {"INCIDENT_REF_PATTERN", "NCCU_REF_PATTERN", "CRIME_REF_PATTERN"}
BANK_HOLIDAY_DIVISIONS = {"england-and-wales", "scotland", "northern-ireland"}


def load_settings(instance_path: Path, test_config: dict[str, Any] | None = None) -> dict:
    """Merge every source in order of precedence and return checked settings."""
    settings = dict(DEFAULTS)
    settings.update(_read_instance_file(instance_path / "config.toml"))
    settings.update(_read_environment(os.environ))
    if test_config:
        settings.update(test_config)
    for name in _COLUMN_MAP_SETTINGS:
        if isinstance(settings[name], dict):
            settings[name] = {**DEFAULTS[name], **settings[name]}
    check_settings(settings)
    if settings["SESSION_MAX_MINUTES"] is None:
        settings["SESSION_MAX_MINUTES"] = settings["SESSION_MAX_HOURS"] * 60
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance_path / 'debrief.db'}"
        _owner_only_folder(instance_path)
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _read_or_create_secret(instance_path)
    return settings


def _owner_only_folder(path: Path) -> None:
    """Make the instance folder, which holds the embedded database, its owner's only (a
    clone of the repository makes it readable by all)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError:
        pass  # reported as the database's or the secret's problem, with its fix


def _read_instance_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"{path} is not valid TOML: {exc}. Correct the file and start again."
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"{path} cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    return {key.upper(): value for key, value in data.items()}


def _read_environment(environ) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith("DEBRIEF_") or key.startswith("DEBRIEF_TEST_"):
            continue
        name = key.removeprefix("DEBRIEF_")
        if name not in DEFAULTS:
            continue
        found[name] = _parse_env_value(key, name, raw)
    return found


def _parse_env_value(env_key: str, name: str, raw: str) -> Any:
    if name in _INT_SETTINGS or name in _OPTIONAL_INT_SETTINGS:
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{env_key} must be a whole number, not {raw!r}.") from None
    if name in _BOOL_SETTINGS:
        if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise SettingsError(f"{env_key} must be true or false, not {raw!r}.")
        return raw.lower() in {"1", "true", "yes"}
    if name == "SSO_ROLE_MAP":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise SettingsError(
                f"{env_key} must be a JSON object of claim value = role, for example "
                '{"Debrief.Sergeant": "sergeant"}.'
            ) from None
    if name in _COLUMN_MAP_SETTINGS:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise SettingsError(
                f"{env_key} must be a JSON object of column headings, for example "
                '{"nccu_reference": "NCCU ref"}.'
            ) from None
    if name in _LIST_SETTINGS:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise SettingsError(
                f'{env_key} must be a JSON list of names, for example ["North", "South"].'
            ) from None
        return value
    return raw


def check_settings(settings: dict[str, Any]) -> None:
    """Raise SettingsError naming the first wrong setting and the fix."""
    for name, (low, high) in _INT_SETTINGS.items():
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(f"Setting {name} must be a whole number from {low} to {high}.")
    for name, (low, high) in _OPTIONAL_INT_SETTINGS.items():
        value = settings[name]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            raise SettingsError(
                f"Setting {name} must be a whole number from {low} to {high}, or left unset."
            )
    for name in _STR_SETTINGS:
        if not isinstance(settings[name], str) or not settings[name].strip():
            raise SettingsError(f"Setting {name} must be a non-empty piece of text.")
    for name in _REGEX_SETTINGS:
        try:
            re.compile(settings[name])
        except re.error as exc:
            raise SettingsError(f"Setting {name} is not a valid pattern: {exc}.") from None
    for name in _LIST_SETTINGS:
        value = settings[name]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
            or len(set(value)) != len(value)
        ):
            raise SettingsError(f"Setting {name} must be a list of different, non-empty names.")
    for name in _BOOL_SETTINGS:
        if not isinstance(settings[name], bool):
            raise SettingsError(f"Setting {name} must be true or false.")
    for name in _COLUMN_MAP_SETTINGS:
        _check_column_map(name, settings[name])
    if settings["IMPORT_MAX_BYTES"] > settings["MAX_CONTENT_LENGTH"]:
        raise SettingsError(
            "Setting IMPORT_MAX_BYTES must not be larger than MAX_CONTENT_LENGTH, "
            "or uploads would be refused before the import could say why."
        )
    if settings["BANK_HOLIDAY_DIVISION"] not in BANK_HOLIDAY_DIVISIONS:
        raise SettingsError(
            "Setting BANK_HOLIDAY_DIVISION must be one of "
            + ", ".join(sorted(BANK_HOLIDAY_DIVISIONS))
            + "."
        )
    secret = settings["SECRET_KEY"]
    if secret is not None and (not isinstance(secret, str) or len(secret) < 32):
        raise SettingsError(
            "Setting SECRET_KEY (DEBRIEF_SECRET_KEY) must be at least 32 characters. "
            "Leave it unset to have one generated into the instance folder."
        )
    _check_rate_limits(settings)
    _check_mail(settings)
    _check_sso(settings)
    url = settings["DATABASE_URL"]
    if url is not None:
        check_database_url(url)


def _check_column_map(name: str, value: Any) -> None:
    """A column map names known fields only, each with its own non-empty heading."""
    fields = DEFAULTS[name]
    if not isinstance(value, dict):
        raise SettingsError(f"Setting {name} must be a table of field = column heading.")
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise SettingsError(
            f"Setting {name} names unknown fields: {', '.join(unknown)}. "
            f"The fields are: {', '.join(fields)}."
        )
    headings = [v.strip().casefold() for v in value.values() if isinstance(v, str)]
    if len(headings) != len(value) or not all(headings):
        raise SettingsError(f"Setting {name} must give a non-empty heading for every field.")
    if len(set(headings)) != len(headings):
        raise SettingsError(f"Setting {name} gives the same heading to two fields.")


def _check_mail(settings: dict[str, Any]) -> None:
    """The digest's settings: each optional text set or unset, never empty; a mail server
    needs a sender and the service's address; credentials only over STARTTLS."""
    from .notifications.addresses import AddressError, check_address

    for name in sorted(_OPTIONAL_STR_SETTINGS):
        value = settings[name]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise SettingsError(f"Setting {name} must be a non-empty piece of text, or unset.")
    base = settings["SERVICE_BASE_URL"]
    if base is not None and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?\Z", base):
        raise SettingsError(
            "Setting SERVICE_BASE_URL must be the address people open the service at, "
            "like https://debrief.example.police.uk"
        )
    if settings["SMTP_HOST"] is None:
        return
    missing = [name for name in ("SMTP_FROM", "SERVICE_BASE_URL") if settings[name] is None]
    if missing:
        raise SettingsError(
            f"Setting SMTP_HOST is set, so {' and '.join(missing)} must be set too: the "
            "digest's sender and the address its link opens."
        )
    try:
        check_address(settings["SMTP_FROM"])
    except AddressError:
        raise SettingsError("Setting SMTP_FROM must be an email address.") from None
    if settings["SMTP_USERNAME"] is not None and not settings["SMTP_STARTTLS"]:
        raise SettingsError(
            "Setting SMTP_USERNAME needs SMTP_STARTTLS = true: the password must not cross "
            "the network in the clear."
        )


def _check_sso(settings: dict[str, Any]) -> None:
    """Single sign-on settings: all or nothing, every mapped role known."""
    from urllib.parse import urlsplit

    from .roles import Role

    for name in _OPTIONAL_STR_SETTINGS:
        value = settings[name]
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise SettingsError(f"Setting {name} must be a non-empty piece of text, or unset.")
    if settings["SSO_LOCAL_SIGN_IN"] not in {"everyone", "admins"}:
        raise SettingsError("Setting SSO_LOCAL_SIGN_IN must be everyone or admins.")
    role_map = settings["SSO_ROLE_MAP"]
    known = {role.value for role in Role}
    if not isinstance(role_map, dict) or not all(
        isinstance(key, str)
        and key
        and (
            (isinstance(value, str) and value in known)
            or (
                isinstance(value, list)
                and value
                and all(isinstance(v, str) and v in known for v in value)
            )
        )
        for key, value in role_map.items()
    ):
        raise SettingsError(
            "Setting SSO_ROLE_MAP must map each claim value to a role or a list of roles, "
            f"from: {', '.join(sorted(known))}."
        )
    url = settings["SSO_DISCOVERY_URL"]
    if url is None:
        return
    missing = [n for n in ("SSO_CLIENT_ID", "SSO_CLIENT_SECRET") if not settings[n]]
    if missing:
        raise SettingsError(
            f"Single sign-on is on (SSO_DISCOVERY_URL is set) but {' and '.join(missing)} "
            "is not: give the application's client id and secret from the provider."
        )
    if not role_map:
        raise SettingsError(
            "Single sign-on is on but SSO_ROLE_MAP is empty: nobody could be given a role."
        )
    parts = urlsplit(url)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise SettingsError(
            "Setting SSO_DISCOVERY_URL must be an https:// address (the provider's "
            ".well-known/openid-configuration)."
        )
    if "openid" not in settings["SSO_SCOPES"].split():
        raise SettingsError("Setting SSO_SCOPES must include openid.")


# Where Flask-Limiter may keep its counts, and the package each needs.
_RATE_LIMIT_STORES = {
    "database": None,
    "memory": None,
    "redis": "redis",
    "rediss": "redis",
    "redis+sentinel": "redis",
    "redis+cluster": "redis",
    "memcached": "pymemcache",
}


def _check_rate_limits(settings: dict[str, Any]) -> None:
    """Check the sign-in limit parses and its store can be used, before the first request."""
    from importlib.util import find_spec

    from limits import parse

    try:
        parse(settings["SIGN_IN_RATE_LIMIT"])
    except ValueError:
        raise SettingsError(
            "Setting SIGN_IN_RATE_LIMIT must read like 30 per minute or 100 per hour."
        ) from None
    scheme = settings["RATELIMIT_STORAGE_URI"].partition("://")[0]
    if scheme not in _RATE_LIMIT_STORES:
        raise SettingsError(
            "Setting RATELIMIT_STORAGE_URI must start database:// (the default: the app's own "
            "database), redis:// or memcached://."
        )
    package = _RATE_LIMIT_STORES[scheme]
    if package and find_spec(package) is None:
        raise SettingsError(
            f"Setting RATELIMIT_STORAGE_URI uses {scheme}://, which needs the Python package "
            f"{package}: install it (pip install {package}) or use database://."
        )


def check_database_url(url: str) -> None:
    """Accept only SQLite and PostgreSQL (psycopg 3) URLs that parse."""
    hint = (
        "Use sqlite:///path/to/debrief.db or "
        "postgresql+psycopg://user@host:5432/dbname, or leave it unset for the embedded default."
    )
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        raise SettingsError(
            f"Setting DATABASE_URL (DEBRIEF_DATABASE_URL) is not a database URL. {hint}"
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise SettingsError(
            f"Setting DATABASE_URL (DEBRIEF_DATABASE_URL) names the unsupported database "
            f"{parsed.get_backend_name()!r}. {hint}"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() not in {
        "psycopg",
        "psycopg2",
    }:
        raise SettingsError(
            "Setting DATABASE_URL (DEBRIEF_DATABASE_URL) must use the psycopg driver: "
            f"postgresql+psycopg://…. {hint}"
        )


def _read_or_create_secret(instance_path: Path) -> str:
    """Use the instance secret, creating it owner-only on first start: never a fallback."""
    path = instance_path / SECRET_FILE_NAME
    try:
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists():
            secret = path.read_text(encoding="ascii").strip()
            if len(secret) < 32:
                raise SettingsError(
                    f"{path} holds a secret shorter than 32 characters. Delete it to have a "
                    "new one generated (everyone will have to sign in again)."
                )
            return secret
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret + "\n")
        return secret
    except PermissionError:
        raise SettingsError(
            f"The instance folder {instance_path} cannot be written or read. Give the user "
            "running OIC Debrief read and write access to it, or set DEBRIEF_SECRET_KEY and "
            "DEBRIEF_DATABASE_URL."
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"The instance folder {instance_path} cannot be used ({exc.strerror}). Check that "
            "it exists and that the user running OIC Debrief may write to it."
        ) from None
