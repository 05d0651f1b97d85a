"""In-memory order store and the validation rules for new orders.

The store is intentionally process-local: each ECS task has its own copy, which is
fine for a sample service whose purpose is to exercise the deployment pipeline.
"""

import threading
import uuid
from datetime import datetime, timezone

MAX_ITEM_LENGTH = 200


class OrderValidationError(ValueError):
    """Raised when a new-order payload breaks a validation rule.

    ``fields`` maps each offending field name to a human-readable reason.
    """

    def __init__(self, fields):
        self.fields = dict(fields)
        summary = "; ".join(
            "{0}: {1}".format(name, reason) for name, reason in sorted(self.fields.items())
        )
        super().__init__("invalid order: " + summary)


def validate_new_order(payload):
    """Validate a decoded JSON payload and return ``(item, quantity)``.

    Rules: the payload is a JSON object; ``item`` is a non-blank string of at most
    ``MAX_ITEM_LENGTH`` characters (surrounding whitespace is stripped); ``quantity``
    is a positive integer (booleans, floats and numeric strings are rejected).
    """
    if not isinstance(payload, dict):
        raise OrderValidationError({"body": "must be a JSON object"})

    errors = {}

    item = payload.get("item")
    if not isinstance(item, str):
        errors["item"] = "is required and must be a string"
    else:
        item = item.strip()
        if not item:
            errors["item"] = "must not be empty"
        elif len(item) > MAX_ITEM_LENGTH:
            errors["item"] = "must be at most {0} characters".format(MAX_ITEM_LENGTH)

    quantity = payload.get("quantity")
    # bool is a subclass of int in Python, so reject it explicitly.
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        errors["quantity"] = "is required and must be a positive integer"

    if errors:
        raise OrderValidationError(errors)
    return item, quantity


def _utc_now():
    return datetime.now(timezone.utc)


def _new_id():
    return uuid.uuid4().hex


class OrderStore:
    """Thread-safe in-memory store of orders, kept in creation order.

    Orders are plain dicts; the store hands out copies so callers can never
    mutate its internal state without holding the lock.
    """

    def __init__(self, id_factory=None, clock=None):
        self._lock = threading.Lock()
        self._orders = {}  # dicts keep insertion order, i.e. creation order
        self._id_factory = id_factory or _new_id
        self._clock = clock or _utc_now

    def create(self, item, quantity):
        """Validate and store a new order; return a copy of it."""
        item, quantity = validate_new_order({"item": item, "quantity": quantity})
        created_at = self._clock().astimezone(timezone.utc)
        with self._lock:
            order_id = self._id_factory()
            if order_id in self._orders:
                raise RuntimeError("id factory returned a duplicate id: " + order_id)
            order = {
                "id": order_id,
                "item": item,
                "quantity": quantity,
                "created_at": created_at.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z"
                ),
            }
            self._orders[order_id] = order
            return dict(order)

    def get(self, order_id):
        """Return a copy of the order with ``order_id``, or ``None``."""
        with self._lock:
            order = self._orders.get(order_id)
            return dict(order) if order is not None else None

    def list(self):
        """Return copies of all orders, oldest first."""
        with self._lock:
            return [dict(order) for order in self._orders.values()]

    def __len__(self):
        with self._lock:
            return len(self._orders)
