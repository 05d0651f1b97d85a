"""Shared fixtures: a real orders-service server on an ephemeral loopback port."""

import os
import sys
import threading

import pytest

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PROJECT_ROOT not in sys.path:  # also importable when pytest runs from elsewhere
    sys.path.insert(0, PROJECT_ROOT)

from app.server import OrdersApp, create_server  # noqa: E402


class LiveServer:
    def __init__(self, server, thread):
        self.server = server
        self.thread = thread
        self.app = server.app
        host, port = server.server_address[:2]
        self.port = port
        self.url = "http://{0}:{1}".format(host, port)


@pytest.fixture
def live_server():
    """Start the real HTTP server in a thread; stop it (and drain) afterwards."""
    server = create_server("127.0.0.1", 0, OrdersApp(version="test-1.2.3"))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield LiveServer(server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def project_root():
    return PROJECT_ROOT
