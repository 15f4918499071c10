"""The operator's surface: request ids, one JSON log line per request, ``/healthz``, ``/readyz`` and ``/metrics``.

Its hooks are registered before any other (``create_app`` calls ``init_app`` first): the request id
exists before a check refuses the request (an over-long address, a control character, the sign-in
throttle), and the log line and the metrics are written after every other hook, with the status
actually answered. The three endpoints are outside ``/api/`` and outside the officers' blueprint:
no session, no CSRF, no sign-in.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from time import perf_counter
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from app import metrics, request_context
from app.ops import logs
from app.ratelimit import limiter
from app.services import health

bp = Blueprint("ops", __name__)
log = logging.getLogger("khieunai.request")
UNMATCHED = "<unmatched>"  # the route label of an address no URL rule matched (404s): one label, not one per address
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other method counts as OTHER
REFUSED = "Chỉ máy chủ này hoặc người có mã truy cập số liệu (METRICS_TOKEN) được đọc /metrics."


def init_app(app: Flask) -> None:
    logs.configure(str(app.config.get("LOG_LEVEL") or "INFO"))
    runtime = app.extensions["runtime"]
    metrics.count_statements(runtime.db.read_engine, runtime.db.write_engine)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.context_processor(lambda: {"request_id": g.get("request_id")})
    limiter.exempt(bp)  # polled every few seconds: no sign-in, nothing for the sign-in throttle to count
    app.register_blueprint(bp)


def _begin() -> None:
    g.started = perf_counter()
    g.request_id = request_context.accept_or_generate(request.headers.get("X-Request-ID"))
    g.request_id_token = request_context.begin(g.request_id)


def _finish(response: Response) -> Response:
    """The id in the answer; the request counted and logged once, by its URL rule, never by its address."""
    response.headers["X-Request-ID"] = g.get("request_id") or ""
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    seconds = perf_counter() - g.get("started", perf_counter())
    method = request.method if request.method in METHODS else "OTHER"  # a made-up method must not make a new series
    metrics.HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
    metrics.HTTP_LATENCY.labels(route).observe(seconds)
    if log.isEnabledFor(logging.INFO):
        principal = g.get("principal") or g.get("web_principal")
        log.info("request", extra={"method": request.method, "route": route, "path": request.path,
                                   "status": response.status_code, "duration_ms": round(seconds * 1000, 2),
                                   "request_id": g.get("request_id"), "user": getattr(principal, "username", None)})
    return response


def _end(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            request_context.end(token)
        except ValueError:  # set in another context (cannot happen under a WSGI server): just forget it
            request_context.begin(None)


@bp.get("/healthz")
def healthz() -> Any:
    """The process is alive and answers; nothing else is asked (no database)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Any:
    """Whether to send this process traffic: the database answers, is migrated to the head, has every process."""
    try:
        result = health.readiness(current_app.extensions["runtime"])
    except Exception:  # whatever else failed (migrations/ unreadable …): not ready, never a 500
        current_app.logger.exception("readiness could not be checked")
        result = health.Readiness({"readiness": "Không kiểm tra được; xem nhật ký theo mã yêu cầu."})
    body = {"status": "ready" if result.ready else "not_ready", "checks": result.checks}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if result.ready else 503


@bp.get("/metrics")
def metrics_page() -> Any:
    """Prometheus' text format: counts and figures only, no case data; for this host or the holder of METRICS_TOKEN."""
    if not _may_read_metrics():
        return jsonify({"error": "forbidden", "message": REFUSED, "request_id": g.get("request_id")}), 403
    body = b""
    for part, registry in (("counters", _registry), ("database figures", _database_registry)):
        try:
            body += generate_latest(registry())
        except Exception:  # the database does not answer, a worker's file is unreadable: the rest still goes out
            current_app.logger.warning("metrics: the %s could not be read", part, exc_info=True)
    return Response(body, status=200, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def _may_read_metrics() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode()):
        return True
    return _from_this_host()


def _from_this_host() -> bool:
    """The loopback address, and no proxy in between (a local proxy makes every client look local)."""
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if forwarded and not int(current_app.config.get("TRUSTED_PROXY_COUNT") or 0):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _registry() -> Any:
    """Every process's counts (gunicorn's workers and the timer worker) under multiprocess mode, else this one's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        from prometheus_client import REGISTRY

        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, directory)  # type: ignore[no-untyped-call]
    return registry


class BacklogCollector(Collector):
    """The database's figures, read when scraped: right whichever process (the timer worker) changed them."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Any:
        figures = health.backlog(self.runtime)
        for name, text, value in (
            ("app_jobs_pending", "Timer jobs waiting to fire (including those retrying)", figures.jobs_pending),
            ("app_jobs_failing", "Timer jobs whose last attempt failed, waiting for a retry", figures.jobs_failing),
            ("app_incidents_open", "Timer jobs given up on after their last attempt (incidents to retry)",
             figures.incidents_open),
            ("app_escalations_open", "Escalations (deadlines passed) not yet acknowledged", figures.escalations_open),
        ):
            yield GaugeMetricFamily(name, text, value=value)


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BacklogCollector(current_app.extensions["runtime"]))
    return registry
