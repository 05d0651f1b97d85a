import itertools
import threading
from datetime import datetime, timezone

import pytest

from app.store import MAX_ITEM_LENGTH, OrderStore, OrderValidationError, validate_new_order


def fixed_clock():
    return datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=timezone.utc)


def counting_ids():
    counter = itertools.count(1)
    return lambda: "order-{0}".format(next(counter))


def test_create_returns_order_with_id_and_timestamp():
    store = OrderStore(id_factory=counting_ids(), clock=fixed_clock)
    order = store.create("widget", 2)
    assert order == {
        "id": "order-1",
        "item": "widget",
        "quantity": 2,
        "created_at": "2024-05-01T12:30:45.123Z",
    }
    assert len(store) == 1


def test_default_ids_are_unique_hex():
    store = OrderStore()
    ids = {store.create("widget", 1)["id"] for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_get_returns_copy_or_none():
    store = OrderStore(id_factory=counting_ids())
    created = store.create("widget", 1)
    fetched = store.get(created["id"])
    assert fetched == created
    fetched["quantity"] = 999  # mutating the copy must not touch the store
    assert store.get(created["id"])["quantity"] == 1
    assert store.get("missing") is None


def test_list_is_in_creation_order_and_copies():
    store = OrderStore(id_factory=counting_ids())
    assert store.list() == []
    store.create("a", 1)
    store.create("b", 2)
    listed = store.list()
    assert [o["item"] for o in listed] == ["a", "b"]
    listed[0]["item"] = "changed"
    assert store.list()[0]["item"] == "a"


def test_item_is_stripped():
    store = OrderStore()
    assert store.create("  widget  ", 1)["item"] == "widget"


def test_create_validates_too():
    store = OrderStore()
    with pytest.raises(OrderValidationError):
        store.create("", 1)
    with pytest.raises(OrderValidationError):
        store.create("widget", 0)
    assert len(store) == 0


def test_duplicate_id_from_factory_is_rejected():
    store = OrderStore(id_factory=lambda: "same")
    store.create("a", 1)
    with pytest.raises(RuntimeError):
        store.create("b", 1)
    assert len(store) == 1


def test_concurrent_creates_are_all_kept():
    store = OrderStore()
    threads_count, per_thread = 8, 250
    barrier = threading.Barrier(threads_count)

    def worker():
        barrier.wait()
        for _ in range(per_thread):
            store.create("widget", 1)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    orders = store.list()
    assert len(orders) == threads_count * per_thread
    assert len({o["id"] for o in orders}) == threads_count * per_thread


@pytest.mark.parametrize(
    "payload",
    [
        {"item": "widget", "quantity": 1},
        {"item": "widget", "quantity": 10 ** 6},
        {"item": "x" * MAX_ITEM_LENGTH, "quantity": 3},
        {"item": "widget", "quantity": 1, "note": "extra fields are ignored"},
    ],
)
def test_validate_accepts(payload):
    item, quantity = validate_new_order(payload)
    assert item == payload["item"]
    assert quantity == payload["quantity"]


@pytest.mark.parametrize(
    "payload, bad_fields",
    [
        ([], {"body"}),
        ("widget", {"body"}),
        (None, {"body"}),
        ({}, {"item", "quantity"}),
        ({"item": "widget"}, {"quantity"}),
        ({"quantity": 1}, {"item"}),
        ({"item": "", "quantity": 1}, {"item"}),
        ({"item": "   ", "quantity": 1}, {"item"}),
        ({"item": 42, "quantity": 1}, {"item"}),
        ({"item": "x" * (MAX_ITEM_LENGTH + 1), "quantity": 1}, {"item"}),
        ({"item": "widget", "quantity": 0}, {"quantity"}),
        ({"item": "widget", "quantity": -3}, {"quantity"}),
        ({"item": "widget", "quantity": 1.5}, {"quantity"}),
        ({"item": "widget", "quantity": 2.0}, {"quantity"}),
        ({"item": "widget", "quantity": "2"}, {"quantity"}),
        ({"item": "widget", "quantity": True}, {"quantity"}),
        ({"item": "widget", "quantity": None}, {"quantity"}),
    ],
)
def test_validate_rejects(payload, bad_fields):
    with pytest.raises(OrderValidationError) as info:
        validate_new_order(payload)
    assert set(info.value.fields) == bad_fields
    assert "invalid order" in str(info.value)
