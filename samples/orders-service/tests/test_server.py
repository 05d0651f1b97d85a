"""Router and handler tests: no sockets, requests go straight to OrdersApp.handle."""

import io
import json
import logging

import pytest

from app.server import (
    DEFAULT_PORT,
    HEALTH_PATH,
    HTTPError,
    JsonFormatter,
    OrdersApp,
    Router,
    normalise_path,
    read_port,
    read_version,
)
from app.store import OrderStore


@pytest.fixture
def app():
    return OrdersApp(store=OrderStore(), version="1.0.0")


def post_json(app, path, payload):
    return app.handle("POST", path, {}, json.dumps(payload).encode("utf-8"))


# -- router ----------------------------------------------------------------- #


def test_router_matches_literal_and_placeholder_routes():
    router = Router()
    router.add("GET", "/things", "list")
    router.add("GET", "/things/{thing_id}", "get")
    assert router.route("GET", "/things") == ("list", {})
    assert router.route("GET", "/things/abc") == ("get", {"thing_id": "abc"})
    assert router.route("get", "/things/a%20b") == ("get", {"thing_id": "a b"})


def test_router_404_for_unknown_path():
    router = Router()
    router.add("GET", "/things/{thing_id}", "get")
    for path in ("/nope", "/things", "/things/a/b", "/thingsx/a"):
        with pytest.raises(HTTPError) as info:
            router.route("GET", path)
        assert info.value.status == 404


def test_router_405_lists_allowed_methods():
    router = Router()
    router.add("GET", "/things", "list")
    router.add("POST", "/things", "create")
    with pytest.raises(HTTPError) as info:
        router.route("DELETE", "/things")
    assert info.value.status == 405
    assert info.value.headers["Allow"] == "GET, HEAD, POST"


def test_router_head_uses_get_handler():
    router = Router()
    router.add("GET", "/things", "list")
    assert router.route("HEAD", "/things") == ("list", {})


def test_router_rejects_duplicates_and_bad_patterns():
    router = Router()
    router.add("GET", "/a", "x")
    with pytest.raises(ValueError):
        router.add("GET", "/a", "y")
    with pytest.raises(ValueError):
        router.add("GET", "a", "z")


def test_router_escapes_regex_characters_in_literals():
    router = Router()
    router.add("GET", "/a.b", "dot")
    assert router.route("GET", "/a.b") == ("dot", {})
    with pytest.raises(HTTPError):
        router.route("GET", "/aXb")


@pytest.mark.parametrize(
    "raw, expected",
    [("/", "/"), ("/orders", "/orders"), ("/orders/", "/orders"),
     ("/orders?limit=5", "/orders"), ("/orders/abc/?x=1", "/orders/abc"), ("", "/")],
)
def test_normalise_path(raw, expected):
    assert normalise_path(raw) == expected


# -- handlers --------------------------------------------------------------- #


def test_health(app):
    response = app.handle("GET", HEALTH_PATH)
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_version(app):
    response = app.handle("GET", "/version")
    assert response.status == 200
    assert response.json() == {"service": "orders-service", "version": "1.0.0"}


def test_version_defaults_to_dev():
    assert OrdersApp().handle("GET", "/version").json()["version"] == "dev"


def test_create_get_and_list(app):
    created = post_json(app, "/orders", {"item": "widget", "quantity": 2})
    assert created.status == 201
    order = created.json()
    assert order["item"] == "widget"
    assert order["quantity"] == 2
    assert created.headers["Location"] == "/orders/" + order["id"]

    fetched = app.handle("GET", "/orders/" + order["id"])
    assert fetched.status == 200
    assert fetched.json() == order

    listed = app.handle("GET", "/orders")
    assert listed.status == 200
    assert listed.json() == {"orders": [order], "count": 1}


def test_list_empty(app):
    assert app.handle("GET", "/orders").json() == {"orders": [], "count": 0}


def test_get_unknown_order_is_404(app):
    response = app.handle("GET", "/orders/does-not-exist")
    assert response.status == 404
    assert "not found" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"item": "widget", "quantity": 0},
        {"item": "widget", "quantity": -1},
        {"item": "widget", "quantity": 1.5},
        {"item": "widget", "quantity": "3"},
        {"item": "widget", "quantity": True},
        {"item": "", "quantity": 1},
        {"item": 7, "quantity": 1},
        {"quantity": 1},
        {"item": "widget"},
        [],
        "widget",
    ],
)
def test_create_rejects_invalid_payload(app, body):
    response = post_json(app, "/orders", body)
    assert response.status == 400
    payload = response.json()
    assert payload["error"] == "invalid order"
    assert isinstance(payload["details"], dict) and payload["details"]
    assert app.store.list() == []


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe", b"[1, 2"])
def test_create_rejects_missing_or_malformed_json(app, raw):
    response = app.handle("POST", "/orders", {}, raw)
    assert response.status == 400
    assert "error" in response.json()


def test_unknown_route_and_wrong_method(app):
    assert app.handle("GET", "/nope").status == 404
    response = app.handle("DELETE", "/orders")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert app.handle("POST", "/health").status == 405


def test_trailing_slash_and_query_string_are_tolerated(app):
    assert app.handle("GET", "/health/").status == 200
    assert app.handle("GET", "/orders?limit=10").status == 200


def test_handler_crash_becomes_500(app, caplog):
    def boom(request):
        raise RuntimeError("kaboom")

    app.router.add("GET", "/boom", boom)
    with caplog.at_level(logging.ERROR, logger="orders"):
        response = app.handle("GET", "/boom")
    assert response.status == 500
    assert response.json() == {"error": "internal server error"}
    assert "kaboom" not in response.body().decode()
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


# -- configuration and logging --------------------------------------------- #


def test_read_port():
    assert read_port({}) == DEFAULT_PORT == 8080
    assert read_port({"PORT": ""}) == 8080
    assert read_port({"PORT": " 9000 "}) == 9000
    assert read_port({"PORT": "0"}) == 0
    for bad in ("abc", "-1", "65536", "80.5"):
        with pytest.raises(ValueError):
            read_port({"PORT": bad})


def test_read_version():
    assert read_version({}) == "dev"
    assert read_version({"APP_VERSION": "  "}) == "dev"
    assert read_version({"APP_VERSION": "abc123"}) == "abc123"


def test_json_formatter_emits_one_json_object_per_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("orders.test-formatter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("hello %s", "world", extra={"fields": {"status": 201, "path": "/orders"}})
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["msg"] == "hello world"
    assert first["level"] == "WARNING"
    assert first["status"] == 201
    assert first["path"] == "/orders"
    assert first["service"] == "orders-service"
    assert first["ts"].endswith("Z")
    assert "ValueError: bad" in second["exc"]
