"""The administration blueprint, shared by its view modules (accounts, audit trail)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
