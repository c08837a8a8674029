"""Run the app under gunicorn: a production WSGI server, one app per worker.

SIGTERM stops it gracefully: gunicorn stops accepting connections and gives the requests
in flight `graceful_timeout` seconds to finish (the systemd unit in deploy/ waits longer
than that before it kills). Every log line is JSON (request_log.py).
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .request_log import logging_config


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app, so no database connection crosses a fork.
        from .app import create_app

        return create_app()


def run(host: str, port: int, workers: int = 2, threads: int = 4, **extra) -> None:
    """Serve on host:port until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        # No access log: the app writes one JSON line per request itself, with the route
        # pattern instead of the path (request_log.py); gunicorn's own messages are JSON too.
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": logging_config(),
        "timeout": 120,
        "graceful_timeout": 20,
        # Do not tell the world which server and version answer.
        "proc_name": "oic-debrief",
        # The runtime control socket is not needed, and two servers on one machine
        # would fight over its default path.
        "control_socket_disable": True,
    }
    options.update(extra)
    _Gunicorn(options).run()
