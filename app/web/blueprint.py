"""The web blueprint and its CSRF guard, shared by the page modules that add routes to it."""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")
csrf = CSRFProtect()
