"""End-to-end tests over real sockets: the server thread and `python -m app`."""

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest


def call(base_url, method, path, payload=None, headers=None, raw=None):
    data = raw
    all_headers = dict(headers or {})
    if payload is not None:
        data = json.dumps(payload).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            return response.status, dict(response.headers), json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
            return exc.code, dict(exc.headers), json.loads(body) if body else None
        finally:
            exc.close()


def test_health_over_http(live_server):
    status, headers, body = call(live_server.url, "GET", "/health")
    assert status == 200
    assert body == {"status": "ok"}
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Request-Id"]
    assert "Python" not in headers.get("Server", "")


def test_version_over_http(live_server):
    status, _, body = call(live_server.url, "GET", "/version")
    assert status == 200
    assert body["version"] == "test-1.2.3"


def test_order_lifecycle_over_http(live_server):
    status, headers, created = call(
        live_server.url, "POST", "/orders", {"item": "widget", "quantity": 4}
    )
    assert status == 201
    assert headers["Location"] == "/orders/" + created["id"]

    status, _, fetched = call(live_server.url, "GET", "/orders/" + created["id"])
    assert status == 200
    assert fetched == created

    status, _, listed = call(live_server.url, "GET", "/orders")
    assert status == 200
    assert listed["count"] == 1
    assert listed["orders"] == [created]


def test_errors_over_http(live_server):
    status, _, body = call(live_server.url, "POST", "/orders", {"item": "widget", "quantity": -1})
    assert status == 400
    assert body["error"] == "invalid order"
    assert "quantity" in body["details"]

    status, _, body = call(live_server.url, "POST", "/orders", raw=b"{oops",
                           headers={"Content-Type": "application/json"})
    assert status == 400

    status, _, body = call(live_server.url, "GET", "/orders/missing")
    assert status == 404

    status, headers, body = call(live_server.url, "DELETE", "/orders")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD, POST"

    status, _, body = call(live_server.url, "POST", "/orders", raw=b"x" * (64 * 1024 + 1))
    assert status == 413


def test_head_has_headers_but_no_body(live_server):
    request = urllib.request.Request(live_server.url + "/health", method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert int(response.headers["Content-Length"]) > 0
        assert response.read() == b""


def test_request_id_is_echoed(live_server):
    _, headers, _ = call(live_server.url, "GET", "/health", headers={"X-Request-Id": "abc-123"})
    assert headers["X-Request-Id"] == "abc-123"
    _, headers, _ = call(live_server.url, "GET", "/health", headers={"X-Request-Id": "bad id!"})
    assert headers["X-Request-Id"] != "bad id!"


def test_concurrent_creates_over_http(live_server):
    errors = []

    def worker(n):
        try:
            status, _, _ = call(live_server.url, "POST", "/orders", {"item": "w{0}".format(n), "quantity": 1})
            assert status == 201
        except Exception as exc:  # collected and asserted on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _, _, listed = call(live_server.url, "GET", "/orders")
    assert listed["count"] == 20


def test_access_log_line_per_request(live_server, caplog):
    with caplog.at_level("INFO", logger="orders"):
        call(live_server.url, "GET", "/orders/missing")
        # The access log is written after the response, so it can trail the client.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            records = [r for r in caplog.records if r.getMessage() == "request"]
            if records:
                break
            time.sleep(0.01)
    assert len(records) == 1
    fields = records[0].fields
    assert fields["method"] == "GET"
    assert fields["path"] == "/orders/missing"
    assert fields["status"] == 404
    assert fields["duration_ms"] >= 0


def test_shutdown_drains_in_flight_requests():
    from app.server import OrdersApp, Response, create_server

    app = OrdersApp()
    entered, finished = threading.Event(), threading.Event()

    def slow(request):
        entered.set()
        time.sleep(0.5)
        finished.set()
        return Response(200, {"slow": True})

    app.router.add("GET", "/slow", slow)
    server = create_server("127.0.0.1", 0, app)
    serve = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    serve.start()
    url = "http://127.0.0.1:{0}".format(server.server_address[1])
    results = []
    client = threading.Thread(target=lambda: results.append(call(url, "GET", "/slow")))
    client.start()
    assert entered.wait(5)
    # What main() does on SIGTERM: stop accepting, then join in-flight requests.
    server.shutdown()
    server.server_close()
    assert finished.is_set(), "server_close() returned before the in-flight request finished"
    client.join(5)
    serve.join(5)
    assert results and results[0][0] == 200 and results[0][2] == {"slow": True}


# -- the real process: `python -m app`, stopped with SIGTERM ---------------- #


def _read_json_line(proc, deadline):
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if not line:
                return None  # EOF: the process exited
            return json.loads(line)
        if proc.poll() is not None:
            return None
    raise AssertionError("timed out waiting for a log line")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_python_m_app_serves_and_stops_gracefully_on_sigterm(project_root):
    env = dict(os.environ, PORT="0", APP_VERSION="sigterm-test", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=project_root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 15
        started = _read_json_line(proc, deadline)
        assert started is not None, proc.stderr.read()
        assert started["msg"] == "listening"
        assert started["host"] == "0.0.0.0"
        assert started["version"] == "sigterm-test"
        port = started["port"]
        assert port > 0

        status, _, body = call("http://127.0.0.1:{0}".format(port), "GET", "/health")
        assert status == 200 and body == {"status": "ok"}
        access = _read_json_line(proc, deadline)
        assert access["msg"] == "request"
        assert access["path"] == "/health" and access["status"] == 200

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        remaining = [json.loads(line) for line in proc.stdout.read().splitlines() if line]
        messages = [entry["msg"] for entry in remaining]
        assert messages == ["shutdown requested", "stopped"]
        assert remaining[0]["signal"] == "SIGTERM"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_python_m_app_rejects_bad_port(project_root):
    env = dict(os.environ, PORT="not-a-port")
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=project_root, env=env,
        capture_output=True, text=True, timeout=15,
    )
    assert result.returncode == 2
    entry = json.loads(result.stdout.strip().splitlines()[-1])
    assert entry["level"] == "ERROR"
    assert "PORT" in entry["error"]


def test_python_m_app_reports_port_in_use(project_root):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen(1)
        env = dict(os.environ, PORT=str(busy.getsockname()[1]))
        result = subprocess.run(
            [sys.executable, "-m", "app"], cwd=project_root, env=env,
            capture_output=True, text=True, timeout=15,
        )
    assert result.returncode == 1
    entry = json.loads(result.stdout.strip().splitlines()[-1])
    assert entry["msg"] == "cannot listen"
