"""Produce/consume with Debian's python3-confluent-kafka (librdkafka 2.0.2), a second client version.

Run as `/usr/bin/python3 legacy_client.py BOOTSTRAP` with a JSON request on stdin:
  {"op": "produce", "topic": T, "compression": C, "records": [{"partition", "key", "value", "headers", "timestamp"}]}
  {"op": "consume", "topic": T, "partitions": [..], "expected": N}
Binary keys, values and header values are base64 strings (null stays null). Prints a JSON result,
which also names the librdkafka version that produced it.
Every client call is bounded so a broken broker makes this exit non-zero instead of hanging.
"""

import base64
import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition, libversion

COMMON = {"socket.timeout.ms": 10000, "broker.address.family": "v4", "api.version.request.timeout.ms": 5000}


def unb64(s):
    return None if s is None else base64.b64decode(s)


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


def produce(bootstrap, req):
    p = Producer({"bootstrap.servers": bootstrap, "compression.type": req.get("compression", "none"),
                  "message.timeout.ms": 10000, "request.timeout.ms": 5000, "linger.ms": 5,
                  "enable.idempotence": req.get("idempotence", False), **COMMON})
    reports = {}
    for i, rec in enumerate(req["records"]):
        def on_delivery(err, msg, i=i):
            reports[i] = {"error": None if err is None else str(err), "partition": msg.partition(), "offset": msg.offset()}
        headers = [(h[0], unb64(h[1])) for h in rec.get("headers", [])]
        kwargs = {"partition": rec["partition"], "key": unb64(rec["key"]), "value": unb64(rec["value"]),
                  "on_delivery": on_delivery}
        if headers:
            kwargs["headers"] = headers
        if rec.get("timestamp") is not None:
            kwargs["timestamp"] = rec["timestamp"]
        p.produce(req["topic"], **kwargs)
        p.poll(0)
    left = p.flush(30)
    if left:
        sys.exit(f"legacy producer: {left} messages undelivered after 30 s")
    return {"deliveries": [reports[i] for i in range(len(req["records"]))]}


def consume(bootstrap, req):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "legacy-itest", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100, **COMMON})
    c.assign([TopicPartition(req["topic"], p, OFFSET_BEGINNING) for p in req["partitions"]])
    out = []
    deadline = time.monotonic() + 30
    while len(out) < req["expected"] and time.monotonic() < deadline:
        for m in c.consume(num_messages=1000, timeout=0.5):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                sys.exit(f"legacy consumer error: {m.error()}")
            out.append({"partition": m.partition(), "offset": m.offset(), "key": b64(m.key()), "value": b64(m.value()),
                        "headers": [[k, b64(v)] for k, v in (m.headers() or [])], "timestamp": m.timestamp()[1]})
    c.close()
    return {"records": out}


def main():
    bootstrap = sys.argv[1]
    req = json.load(sys.stdin)
    result = {"produce": produce, "consume": consume}[req["op"]](bootstrap, req)
    result["librdkafka"] = libversion()[0]
    json.dump(result, sys.stdout)
    sys.stdout.flush()
    # confluent-kafka 1.7.0 under-counts references to None (null keys/values), which aborts the
    # interpreter at finalization with "deallocating None"; the result is already written.
    os._exit(0)


if __name__ == "__main__":
    main()
