#!/usr/bin/env python3
"""Integration tests for a deployed orders-service.

Slipway runs this in a one-off ECS task built from the service's own image,
during the CodeDeploy deployment and before production traffic shifts:

    python integration/run_integration.py

Environment:
    TEST_URL               base URL of the test listener, which reaches the new
                           (green) tasks; used when set (Slipway's traffic gate sets it)
    SERVICE_URL            base URL of the production listener; used when TEST_URL is
                           not set (e.g. http://internal-alb-123.eu-west-1.elb.amazonaws.com)
    INTEGRATION_RETRIES    attempts per request on connection errors (default 5)
    INTEGRATION_BACKOFF    first retry delay in seconds, doubled each retry (default 1.0)
    INTEGRATION_TIMEOUT    per-request timeout in seconds (default 10)

Exit codes: 0 all checks passed, 1 a check failed, 2 bad configuration.
Only the Python standard library is used.
"""

import http.client
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

MAX_BACKOFF_SECONDS = 10.0
# How often read-back/list ask before deciding an order is missing (see check_read_back).
SPREAD_ATTEMPTS = 10
RETRYABLE_ERRORS = (
    urllib.error.URLError,  # connection refused, DNS failure, ...
    http.client.HTTPException,  # e.g. RemoteDisconnected, IncompleteRead
    ConnectionError,
    socket.timeout,
    TimeoutError,
)


class ConfigError(Exception):
    """Bad or missing configuration (exit code 2)."""


class CheckFailed(Exception):
    """A check did not get the expected answer (exit code 1)."""


def say(line):
    print(line, flush=True)


# --------------------------------------------------------------------------- #
# Configuration
# --------------------------------------------------------------------------- #


def _number(environ, name, default, convert, minimum):
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise ConfigError("{0} must be a number, got {1!r}".format(name, raw)) from None
    if value < minimum:
        raise ConfigError("{0} must be >= {1}, got {2!r}".format(name, minimum, raw))
    return value


def load_config(environ):
    # Before the traffic shift, SERVICE_URL still reaches the previous tasks: the new
    # ones answer on the test listener, TEST_URL.
    name = "TEST_URL" if (environ.get("TEST_URL") or "").strip() else "SERVICE_URL"
    base_url = (environ.get(name) or "").strip()
    if not base_url:
        raise ConfigError(
            "SERVICE_URL is not set; set it to the base URL of the deployed service, "
            "e.g. SERVICE_URL=http://my-alb.example.com (or TEST_URL for the test listener)"
        )
    parts = urllib.parse.urlsplit(base_url)
    # Only http(s) is ever opened below; this is what makes urlopen safe to use.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "{0} must be an absolute http:// or https:// URL, got {1!r}".format(name, base_url)
        )
    return {
        "base_url": base_url.rstrip("/"),
        "retries": _number(environ, "INTEGRATION_RETRIES", 5, int, 1),
        "backoff": _number(environ, "INTEGRATION_BACKOFF", 1.0, float, 0.0),
        "timeout": _number(environ, "INTEGRATION_TIMEOUT", 10.0, float, 0.1),
    }


# --------------------------------------------------------------------------- #
# HTTP client with retries on connection errors
# --------------------------------------------------------------------------- #


class Client:
    def __init__(self, base_url, retries=5, backoff=1.0, timeout=10.0, sleep=time.sleep):
        self.base_url = base_url
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._sleep = sleep

    def request(self, method, path, payload=None):
        """Return ``(status, decoded JSON or text)``; retry only connection errors.

        HTTP error statuses (4xx/5xx) are answers, not connection errors, and
        are returned to the caller without retrying.
        """
        url = self.base_url + path
        data = None
        headers = {"Accept": "application/json", "User-Agent": "orders-service-integration"}
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"

        last_error = None
        for attempt in range(1, self.retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                # The scheme is restricted to http/https in load_config().
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310  # http(s) only
                    return response.status, _decode(response.read())
            except urllib.error.HTTPError as exc:
                try:
                    return exc.code, _decode(exc.read())
                finally:
                    exc.close()
            except RETRYABLE_ERRORS as exc:
                last_error = exc
                if attempt < self.retries:
                    delay = min(self.backoff * (2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)
                    say(
                        "RETRY {0} {1}: attempt {2}/{3} failed ({4}); retrying in {5:.1f}s".format(
                            method, path, attempt, self.retries, _reason(exc), delay
                        )
                    )
                    self._sleep(delay)
        raise CheckFailed(
            "{0} {1} failed after {2} attempt(s): {3}".format(
                method, path, self.retries, _reason(last_error)
            )
        )


def _decode(raw):
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _reason(exc):
    reason = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc) or type(exc).__name__


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_status(method, path, status, body, wanted):
    expect(
        status == wanted,
        "{0} {1}: expected HTTP {2}, got {3}: {4}".format(
            method, path, wanted, status, json.dumps(body)[:300]
        ),
    )


# --------------------------------------------------------------------------- #
# Checks (run in order; each may use state left by the earlier ones)
# --------------------------------------------------------------------------- #


def check_health(client, state):
    status, body = client.request("GET", "/health")
    expect_status("GET", "/health", status, body, 200)
    expect(body == {"status": "ok"}, "GET /health: unexpected body {0!r}".format(body))
    return "GET /health -> 200 status=ok"


def check_version(client, state):
    status, body = client.request("GET", "/version")
    expect_status("GET", "/version", status, body, 200)
    expect(isinstance(body, dict) and body.get("version"), "GET /version: no version in {0!r}".format(body))
    return "GET /version -> 200 version={0}".format(body["version"])


def check_create(client, state):
    wanted = {"item": "integration-test-widget", "quantity": 3}
    status, body = client.request("POST", "/orders", wanted)
    expect_status("POST", "/orders", status, body, 201)
    expect(isinstance(body, dict) and body.get("id"), "POST /orders: no id in {0!r}".format(body))
    for key, value in wanted.items():
        expect(body.get(key) == value, "POST /orders: {0} is {1!r}, expected {2!r}".format(key, body.get(key), value))
    state["order"] = body
    return "POST /orders -> 201 id={0}".format(body["id"])


def check_read_back(client, state):
    order = state["order"]
    path = "/orders/" + urllib.parse.quote(order["id"], safe="")
    # Every task keeps its own in-memory store, so behind a load balancer with
    # several tasks a read may land on a task that never saw the order: ask a
    # few times before calling it missing.
    for attempt in range(1, SPREAD_ATTEMPTS + 1):
        status, body = client.request("GET", path)
        if status != 404:
            break
    expect_status("GET", path, status, body, 200)
    expect(body == order, "GET {0}: expected {1!r}, got {2!r}".format(path, order, body))
    return "GET {0} -> 200 matches created order (attempt {1})".format(path, attempt)


def check_list(client, state):
    order = state["order"]
    for attempt in range(1, SPREAD_ATTEMPTS + 1):  # same multi-task caveat as read-back
        status, body = client.request("GET", "/orders")
        expect_status("GET", "/orders", status, body, 200)
        orders = body.get("orders") if isinstance(body, dict) else None
        expect(isinstance(orders, list), "GET /orders: no orders list in {0!r}".format(body))
        ids = [entry.get("id") for entry in orders if isinstance(entry, dict)]
        if order["id"] in ids:
            return "GET /orders -> 200 count={0}, includes created order (attempt {1})".format(
                len(orders), attempt
            )
    raise CheckFailed(
        "GET /orders: created order {0} not listed after {1} attempt(s)".format(
            order["id"], SPREAD_ATTEMPTS
        )
    )


def check_validation(client, state):
    status, body = client.request("POST", "/orders", {"item": "widget", "quantity": 0})
    expect_status("POST", "/orders", status, body, 400)
    expect(isinstance(body, dict) and "error" in body, "POST /orders: no error in {0!r}".format(body))
    return "POST /orders (quantity=0) -> 400 rejected"


def check_not_found(client, state):
    path = "/orders/does-not-exist"
    status, body = client.request("GET", path)
    expect_status("GET", path, status, body, 404)
    return "GET {0} -> 404".format(path)


CHECKS = (
    ("health", check_health),
    ("version", check_version),
    ("create", check_create),
    ("read-back", check_read_back),
    ("list", check_list),
    ("validation", check_validation),
    ("not-found", check_not_found),
)


def run_checks(client, checks=CHECKS):
    """Run checks in order, stopping at the first failure; return the exit code."""
    state = {}
    passed = 0
    for index, (name, check) in enumerate(checks):
        try:
            detail = check(client, state)
        except CheckFailed as exc:
            say("FAIL {0}: {1}".format(name, exc))
            for skipped, _ in checks[index + 1:]:
                say("SKIP {0}: an earlier check failed".format(skipped))
            say("RESULT: FAIL ({0}/{1} checks passed)".format(passed, len(checks)))
            return EXIT_FAILED
        passed += 1
        say("PASS {0}: {1}".format(name, detail))
    say("RESULT: PASS ({0}/{1} checks passed)".format(passed, len(checks)))
    return EXIT_OK


def main(environ=None):
    environ = os.environ if environ is None else environ
    try:
        config = load_config(environ)
    except ConfigError as exc:
        print("error: {0}".format(exc), file=sys.stderr, flush=True)
        return EXIT_USAGE
    say(
        "orders-service integration tests against {0} (retries={1}, backoff={2}s, timeout={3}s)".format(
            config["base_url"], config["retries"], config["backoff"], config["timeout"]
        )
    )
    client = Client(config["base_url"], config["retries"], config["backoff"], config["timeout"])
    try:
        return run_checks(client)
    except Exception as exc:  # an unexpected crash is a failed run, not a usage error
        say("FAIL unexpected error: {0}: {1}".format(type(exc).__name__, exc))
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
