"""A group member in its own process, for tests that kill a member with SIGKILL.

Run as `python group_member_process.py BOOTSTRAP GROUP TOPIC` (confluent-kafka). It subscribes and
prints one JSON line per event on stdout:
  {"event": "assigned", "partitions": [..]}          after every rebalance
  {"event": "record", "partition": p, "offset": o, "value": "..."}   for every record consumed
  {"event": "committed", "offsets": {"p": next_offset}}              after a `commit-half` command
It commits nothing by itself. On the stdin line `commit-half` it commits, for each partition it
consumed, the offset just past the first half of what it consumed there, so the other half stays
uncommitted work for whoever takes the partition over. It then keeps heartbeating until killed.
"""

import json
import select
import sys

from confluent_kafka import Consumer, KafkaError, TopicPartition


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main() -> None:
    bootstrap, group, topic = sys.argv[1:4]
    c = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "client.id": "killable-member",
        "enable.auto.commit": False, "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100,
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "broker.address.family": "v4",
    })
    consumed: dict[int, list[int]] = {}

    def on_assign(consumer, partitions):
        # Eager protocol: the callback receives the whole new assignment (assignment() is still empty).
        emit({"event": "assigned", "partitions": sorted(tp.partition for tp in partitions)})

    c.subscribe([topic], on_assign=on_assign)
    while True:
        for m in c.consume(num_messages=1000, timeout=0.1):
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    sys.exit(f"killable member: consumer error {m.error()}")
                continue
            consumed.setdefault(m.partition(), []).append(m.offset())
            emit({"event": "record", "partition": m.partition(), "offset": m.offset(), "value": m.value().decode()})
        readable, _, _ = select.select([sys.stdin], [], [], 0)
        if readable and sys.stdin.readline().strip() == "commit-half":
            half = {p: sorted(offsets)[len(offsets) // 2] for p, offsets in consumed.items()}
            c.commit(offsets=[TopicPartition(topic, p, o) for p, o in half.items()], asynchronous=False)
            emit({"event": "committed", "offsets": {str(p): o for p, o in half.items()}})


if __name__ == "__main__":
    main()
