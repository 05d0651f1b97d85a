"""HTTP layer of orders-service: a small router, the handlers and the server.

Layout:

* ``Router`` maps ``(method, path pattern)`` to handler callables. Patterns are
  literal paths with ``{name}`` placeholders, e.g. ``/orders/{order_id}``.
* ``OrdersApp`` owns the routes and the store and turns a request
  (method, path, headers, body) into a ``Response``. It knows nothing about
  sockets, which keeps it easy to unit-test.
* ``RequestHandler``/``OrdersHTTPServer`` adapt ``OrdersApp`` to
  ``http.server.ThreadingHTTPServer`` and write one JSON log line per request.
* ``main`` reads the environment, serves until SIGTERM/SIGINT and then drains
  in-flight requests before exiting (ECS stops tasks with SIGTERM).
"""

import json
import logging
import os
import re
import signal
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from app import SERVICE_NAME
from app.store import OrderStore, OrderValidationError, validate_new_order

# Containers must bind all interfaces: with awsvpc networking the load balancer
# reaches the task through its ENI address, never through loopback.
BIND_HOST = "0.0.0.0"  # nosec B104  # containers must bind all interfaces to be reachable
DEFAULT_PORT = 8080
DEFAULT_VERSION = "dev"
HEALTH_PATH = "/health"
MAX_BODY_BYTES = 64 * 1024

logger = logging.getLogger("orders")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


# --------------------------------------------------------------------------- #
# Request / response model
# --------------------------------------------------------------------------- #


class Response:
    """A JSON response: status code, JSON-serialisable payload, extra headers."""

    def __init__(self, status, payload=None, headers=None):
        self.status = int(status)
        self.payload = payload
        self.headers = dict(headers or {})

    def body(self):
        if self.payload is None:
            return b""
        return json.dumps(self.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def json(self):
        """Decode the body again (convenient in tests)."""
        return json.loads(self.body().decode("utf-8")) if self.payload is not None else None


class HTTPError(Exception):
    """An error that maps directly onto an HTTP error response."""

    def __init__(self, status, message, headers=None, details=None):
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.headers = dict(headers or {})
        self.details = details

    def to_response(self):
        payload = {"error": self.message}
        if self.details:
            payload["details"] = self.details
        return Response(self.status, payload, self.headers)


class Request:
    """What a handler gets: method, path, path parameters, headers and raw body."""

    def __init__(self, method, path, params=None, headers=None, body=b""):
        self.method = method
        self.path = path
        self.params = dict(params or {})
        self.headers = headers if headers is not None else {}
        self.body = body

    def json(self):
        """Decode the body as JSON or raise a 400 ``HTTPError``."""
        if not self.body:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HTTPError(HTTPStatus.BAD_REQUEST, "request body is not valid JSON") from None


# --------------------------------------------------------------------------- #
# Router
# --------------------------------------------------------------------------- #


def normalise_path(raw_path):
    """Strip the query string and any trailing slash (except for ``/``)."""
    path = urlsplit(raw_path).path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def _compile_pattern(pattern):
    if not pattern.startswith("/"):
        raise ValueError("route patterns must start with '/': " + pattern)
    regex = []
    position = 0
    for match in _PLACEHOLDER_RE.finditer(pattern):
        regex.append(re.escape(pattern[position:match.start()]))
        regex.append("(?P<{0}>[^/]+)".format(match.group(1)))
        position = match.end()
    regex.append(re.escape(pattern[position:]))
    return re.compile("^" + "".join(regex) + "$")


class Router:
    """Maps (method, path) to a handler; answers 404 and 405 itself.

    ``HEAD`` is served by the ``GET`` handler (the HTTP layer drops the body).
    """

    def __init__(self):
        self._routes = []  # list of (compiled regex, pattern, {METHOD: handler})

    def add(self, method, pattern, handler):
        method = method.upper()
        for regex, existing, handlers in self._routes:
            if existing == pattern:
                if method in handlers:
                    raise ValueError("duplicate route: {0} {1}".format(method, pattern))
                handlers[method] = handler
                return
        self._routes.append((_compile_pattern(pattern), pattern, {method: handler}))

    def route(self, method, path):
        """Return ``(handler, params)`` or raise ``HTTPError`` (404/405)."""
        method = method.upper()
        lookup = "GET" if method == "HEAD" else method
        for regex, _pattern, handlers in self._routes:
            match = regex.match(path)
            if match is None:
                continue
            handler = handlers.get(lookup)
            if handler is None:
                allowed = set(handlers)
                if "GET" in allowed:
                    allowed.add("HEAD")
                raise HTTPError(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    "method {0} not allowed on {1}".format(method, path),
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            params = {name: unquote(value) for name, value in match.groupdict().items()}
            return handler, params
        raise HTTPError(HTTPStatus.NOT_FOUND, "no route for " + path)


# --------------------------------------------------------------------------- #
# Application: routes + handlers
# --------------------------------------------------------------------------- #


class OrdersApp:
    """The orders API, independent of any socket or server."""

    def __init__(self, store=None, version=None):
        self.store = store if store is not None else OrderStore()
        self.version = version or DEFAULT_VERSION
        self.router = Router()
        self.router.add("GET", HEALTH_PATH, self.health)
        self.router.add("GET", "/version", self.get_version)
        self.router.add("GET", "/orders", self.list_orders)
        self.router.add("POST", "/orders", self.create_order)
        self.router.add("GET", "/orders/{order_id}", self.get_order)

    # -- handlers ---------------------------------------------------------- #

    def health(self, request):
        return Response(HTTPStatus.OK, {"status": "ok"})

    def get_version(self, request):
        return Response(HTTPStatus.OK, {"service": SERVICE_NAME, "version": self.version})

    def list_orders(self, request):
        orders = self.store.list()
        return Response(HTTPStatus.OK, {"orders": orders, "count": len(orders)})

    def create_order(self, request):
        payload = request.json()
        try:
            item, quantity = validate_new_order(payload)
        except OrderValidationError as exc:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST, "invalid order", details=exc.fields
            ) from None
        order = self.store.create(item, quantity)
        return Response(
            HTTPStatus.CREATED, order, headers={"Location": "/orders/" + order["id"]}
        )

    def get_order(self, request):
        order_id = request.params["order_id"]
        order = self.store.get(order_id)
        if order is None:
            raise HTTPError(HTTPStatus.NOT_FOUND, "order {0} not found".format(order_id))
        return Response(HTTPStatus.OK, order)

    # -- dispatch ---------------------------------------------------------- #

    def handle(self, method, raw_path, headers=None, body=b""):
        """Route one request and always return a ``Response`` (never raises)."""
        path = normalise_path(raw_path)
        try:
            handler, params = self.router.route(method, path)
            return handler(Request(method.upper(), path, params, headers, body))
        except HTTPError as exc:
            return exc.to_response()
        except Exception:  # a bug in a handler must not kill the connection thread
            logger.exception("unhandled error", extra={"fields": {"method": method, "path": path}})
            return Response(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal server error"})


# --------------------------------------------------------------------------- #
# Logging: one JSON object per line on stdout
# --------------------------------------------------------------------------- #


class JsonFormatter(logging.Formatter):
    """Render records as single-line JSON; ``extra={"fields": {...}}`` is merged in."""

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "service": SERVICE_NAME,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in fields.items():
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure_logging(stream=None, level=logging.INFO):
    """Send the ``orders`` logger to ``stream`` (stdout by default) as JSON lines."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    return handler


# --------------------------------------------------------------------------- #
# HTTP server adapter
# --------------------------------------------------------------------------- #


class RequestHandler(BaseHTTPRequestHandler):
    """Adapts ``http.server`` to ``OrdersApp``; logs one JSON line per request."""

    server_version = SERVICE_NAME
    sys_version = ""  # do not advertise the Python version
    # HTTP/1.0: one request per connection. No keep-alive means no idle-timeout
    # races with the load balancer and nothing lingering at shutdown.
    protocol_version = "HTTP/1.0"
    timeout = 15  # seconds; bounds slow clients so shutdown can always drain

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "chunked request bodies are not supported")
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "invalid Content-Length header") from None
        if length < 0:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "invalid Content-Length header")
        if length > MAX_BODY_BYTES:
            raise HTTPError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "request body exceeds {0} bytes".format(MAX_BODY_BYTES),
            )
        return self.rfile.read(length) if length else b""

    def _request_id(self):
        incoming = self.headers.get("X-Request-Id") or ""
        return incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex

    def _dispatch(self):
        started = time.monotonic()
        request_id = self._request_id()
        try:
            body = self._read_body()
        except HTTPError as exc:
            response = exc.to_response()
        else:
            response = self.server.app.handle(self.command, self.path, self.headers, body)

        payload = response.body()
        sent = 0
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Request-Id", request_id)
            for name, value in sorted(response.headers.items()):
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)
                sent = len(payload)
        except (BrokenPipeError, ConnectionResetError):
            logger.warning(
                "client disconnected before the response was sent",
                extra={"fields": {"request_id": request_id, "path": self.path}},
            )
        finally:
            logger.info(
                "request",
                extra={
                    "fields": {
                        "method": self.command,
                        "path": urlsplit(self.path).path,
                        "status": response.status,
                        "duration_ms": round((time.monotonic() - started) * 1000.0, 3),
                        "bytes": sent,
                        "remote_addr": self.client_address[0] if self.client_address else None,
                        "user_agent": self.headers.get("User-Agent"),
                        "request_id": request_id,
                    }
                },
            )

    do_GET = _dispatch
    do_HEAD = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_OPTIONS = _dispatch

    def log_request(self, code="-", size="-"):
        """Suppressed: ``_dispatch`` writes the structured access log instead."""

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        # Only reached for protocol-level errors (malformed request line, timeouts).
        logger.warning(
            format % args,
            extra={"fields": {"remote_addr": self.client_address[0] if self.client_address else None}},
        )


class OrdersHTTPServer(ThreadingHTTPServer):
    """Thread-per-request server carrying an ``OrdersApp``.

    Request threads are not daemons and ``block_on_close`` is on, so
    ``server_close()`` waits for in-flight requests: that is the drain step of
    a graceful shutdown.
    """

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    # socketserver's default listen backlog of 5 makes bursts of new connections
    # (one per request with HTTP/1.0) wait for SYN retransmits.
    request_queue_size = 128

    def __init__(self, server_address, app, handler_class=RequestHandler):
        self.app = app
        super().__init__(server_address, handler_class)


def create_server(host=BIND_HOST, port=DEFAULT_PORT, app=None):
    """Bind a server (``port=0`` picks a free ephemeral port) without serving yet."""
    return OrdersHTTPServer((host, port), app if app is not None else OrdersApp())


# --------------------------------------------------------------------------- #
# Process entry point
# --------------------------------------------------------------------------- #


def read_port(environ):
    """Return the port from ``PORT`` (default 8080); raise ``ValueError`` if invalid."""
    raw = (environ.get("PORT") or "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        raise ValueError("PORT must be an integer, got {0!r}".format(raw)) from None
    if not 0 <= port <= 65535:
        raise ValueError("PORT must be between 0 and 65535, got {0}".format(port))
    return port


def read_version(environ):
    return (environ.get("APP_VERSION") or "").strip() or DEFAULT_VERSION


def install_shutdown_handlers(server, signals=(signal.SIGTERM, signal.SIGINT)):
    """On any of ``signals``, stop ``serve_forever`` from a helper thread.

    ``server.shutdown()`` blocks until the serve loop exits, so it must not run
    on the thread that is inside ``serve_forever`` (the main thread, where
    Python delivers signals).
    """
    stopping = threading.Event()

    def _on_signal(signum, _frame):
        if stopping.is_set():
            return
        stopping.set()
        logger.info(
            "shutdown requested",
            extra={"fields": {"signal": signal.Signals(signum).name}},
        )
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    for signum in signals:
        signal.signal(signum, _on_signal)
    return stopping


def main(environ=None):
    environ = os.environ if environ is None else environ
    configure_logging()
    try:
        port = read_port(environ)
    except ValueError as exc:
        logger.error("invalid configuration", extra={"fields": {"error": str(exc)}})
        return 2
    version = read_version(environ)

    try:
        server = create_server(BIND_HOST, port, OrdersApp(version=version))
    except OSError as exc:  # e.g. the port is already in use
        logger.error("cannot listen", extra={"fields": {"port": port, "error": str(exc)}})
        return 1
    install_shutdown_handlers(server)
    bound_host, bound_port = server.server_address[:2]
    logger.info(
        "listening",
        extra={"fields": {"host": bound_host, "port": bound_port, "version": version,
                          "health_path": HEALTH_PATH}},
    )
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()  # joins in-flight request threads
    logger.info("stopped", extra={"fields": {"port": bound_port}})
    return 0
