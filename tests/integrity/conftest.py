"""Integrity fixtures: a connection pool large enough for 32 contenders, and a live server."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CONTENDERS = 32


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        # Every contender holds its own connection at once: a real race, no queue for the pool.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": CONTENDERS + 4,
            "max_overflow": 4,
            "pool_timeout": 60,
        },
        # The live server is reached by IP and port, not the test client's SERVER_NAME.
        "SERVER_NAME": None,
    }


class QuietRequestHandler(WSGIRequestHandler):
    """No access-log line for each of the thousands of requests a race sends."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def live_server(app):
    """Serve the test app on 127.0.0.1, one thread per request, for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def pool():
    """Worker threads reused across the rounds of a race."""
    with ThreadPoolExecutor(max_workers=CONTENDERS, thread_name_prefix="contender") as executor:
        yield executor
