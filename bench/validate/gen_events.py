#!/usr/bin/env python3
"""Seed-shaped events for the validation benchmarks: mixed Vondi event types, about 1% invalid.

  gen_events.py files DIR N [--type TYPE]   N single-event JSON files (optionally one type only)
  gen_events.py ndjson FILE N               N events, one per line
Deterministic (fixed seed)."""
import json
import random
import sys

rng = random.Random(20261125)


def order_confirmed(i):
    items = [{"listing_id": 100 + k, "quantity": rng.randint(1, 5), "warehouse_id": 1} for k in range(rng.randint(1, 4))]
    return {"type": "order.confirmed", "order_id": i, "storefront_id": 67, "buyer_id": 890,
            "items": json.dumps(items, separators=(",", ":")), "total_amount": 5990, "currency": "RSD",
            "timestamp": 1734825600 + i}


def order_cancelled(i):
    return {"type": "order.cancelled", "order_id": i, "reason": "customer_request", "timestamp": 1734825600 + i}


def parcel_arrived(i):
    return {"type": "pvz.parcel.arrived", "parcel_id": f"parcel_{i}", "pvz_id": 1, "pvz_code": "PVZ-BG-001",
            "recipient_id": 890, "pickup_code": "123456", "storage_days": 3, "accepted_by": "operator_456",
            "timestamp": 1734825600 + i}


def payment_completed(i):
    return {"type": "payment.completed", "payment_id": f"pay_{i:08x}", "order_id": i, "amount": 5990,
            "currency": "RSD", "method": "card", "provider": "allsecure", "timestamp": 1734825600 + i}


def picking_created(i):
    return {"type": "picking.created", "task_id": i, "order_id": i, "warehouse_id": 1, "timestamp": 1734825600 + i}


def in_transit(i):
    return {"type": "delivery.in_transit", "shipment_id": f"ship_{i}", "order_id": i,
            "tracking_number": f"POST{i:09d}", "status": "in_transit", "location": "Sorting Center Belgrade",
            "estimated_delivery": "2025-12-25T10:00:00Z", "timestamp": 1734825600 + i}


KINDS = {"order.confirmed": order_confirmed, "order.cancelled": order_cancelled,
         "pvz.parcel.arrived": parcel_arrived, "payment.completed": payment_completed,
         "picking.created": picking_created, "delivery.in_transit": in_transit}


def event(i, only=None):
    make = KINDS[only] if only else rng.choice(list(KINDS.values()))
    doc = make(i)
    if rng.random() < 0.01:  # about 1% invalid: an id of the wrong type
        key = next(k for k, v in doc.items() if k.endswith("_id") and isinstance(v, int))
        doc[key] = str(doc[key]) + "x"
    return doc


def main():
    mode, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    only = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--type" else None
    if mode == "files":
        import os
        os.makedirs(target, exist_ok=True)
        for i in range(n):
            with open(f"{target}/{i:06d}.json", "w") as f:
                json.dump(event(i, only), f)
    else:
        with open(target, "w") as f:
            for i in range(n):
                f.write(json.dumps(event(i), separators=(",", ":")))
                f.write("\n")


main()
