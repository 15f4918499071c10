"""gunicorn's settings for `make run` (read from the repository root, where every start-up runs).

gunicorn refuses some requests itself, in English HTML, before the application sees them. Its limits
are set above the application's own (app/limits.py), so that what the application can check, it
answers first: an address of 4,097 to 8,190 characters gets our Vietnamese 414 (JSON under /api/),
101 to 200 header fields our 431. Only beyond gunicorn's own maxima (8,190 is the largest request
line it accepts) does gunicorn answer.

Workers are threaded (gthread) and keep connections alive; metrics are summed over workers through
PROMETHEUS_MULTIPROC_DIR; logs are JSON lines on stderr. The README's "Operating it" says more.
"""

import os
import shutil
import tempfile

from gunicorn.glogging import Logger

limit_request_line = 8190  # the request line (method, address, version); app.limits.MAX_URL is 4,096
limit_request_fields = 200  # header fields; app.limits.MAX_HEADERS is 100
limit_request_field_size = 8190  # one header field (gunicorn's default; no check of ours comes before it)

# -- workers: threads with keep-alive ---------------------------------------------------------------
# Sync workers close the connection after every answer; threaded ones keep it open for the next
# request of the same client (a browser's page and its assets, an API client's calls). WORKERS
# processes of THREADS threads each, set from the environment. The defaults follow the cores: a
# request is mostly Python, and a process runs Python on one core at a time (the GIL), so the cores
# are used by processes, two per core so that one waiting (on the database's lock, a PDF) leaves the
# core to another; a process answers its kept-alive connections one request at a time. More threads
# help where requests wait on the network (a remote PostgreSQL: THREADS=2 or 4); on one machine they
# only make a process's requests take turns on the GIL. Measured on the 2-core machine: README, "Benchmark".
worker_class = "gthread"
workers = int(os.environ.get("WORKERS") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("THREADS") or 1)
keepalive = int(os.environ.get("KEEPALIVE") or 5)  # seconds an idle kept-alive connection waits for its next request
# each worker touches a heartbeat file on every turn of its loop (twice a kept-alive request); on a disk-backed
# /tmp a busy disk can stall that touch, and with it the worker (gunicorn's FAQ): keep it in memory where there is one
_SHM = "/dev/shm"  # noqa: S108 - gunicorn makes its file there with mkstemp (a random name, O_EXCL), then unlinks it
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# -- metrics across workers -------------------------------------------------------------------------
# Each worker counts in its own files under PROMETHEUS_MULTIPROC_DIR and /metrics sums them. `make run`
# makes a fresh directory per run (shared with the timer worker); a gunicorn started otherwise gets one
# of its own here, before any worker imports prometheus_client, removed when gunicorn stops.
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="khieunai-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    """A dead worker's live gauges are dropped; its counters stay in the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


# -- logs: JSON lines on stderr, like the application's ---------------------------------------------
# The application logs each request once (app/ops), with its id, route and user: gunicorn's access
# log would only repeat it, so it is never built (its logger also stays at WARNING); gunicorn's own
# lines become JSON too.


class _ApplicationLogsRequests(Logger):
    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        return None  # gunicorn would build the line's fields for every request, then drop it


logger_class = _ApplicationLogsRequests  # (so gunicorn's own statsd logger is off: /metrics is the metrics)
_level = (os.environ.get("LOG_LEVEL") or "INFO").upper()
_json = {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(levelname)s %(name)s %(message)s", "timestamp": "time",
         "rename_fields": {"levelname": "level", "name": "logger"}}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": _json},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},  # the application sets its own loggers to LOG_LEVEL
    "loggers": {
        "gunicorn.error": {"level": _level, "handlers": ["stderr"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False, "qualname": "gunicorn.access"},
    },
}
