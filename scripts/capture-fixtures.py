#!/usr/bin/env python3
"""Capture the first request frames real Kafka clients send, for Tests/KafkaProtocolTests/Fixtures.

A fake broker listens on 127.0.0.1:39092 and answers ApiVersions, Metadata and Produce with the bytes
in Fixtures/fake-broker-responses.json (written by our generated Swift encoders; see
FakeBrokerResponses.swift), so each client goes on from ApiVersions to Metadata and Produce. The first
frame of each (client, api, version) is saved as <client>-<Api>-v<version>.bin, size prefix included.

Clients: kcat (Debian's librdkafka), confluent-kafka and kafka-python (pip). Run from the package root:
    python3 scripts/capture-fixtures.py
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading

PORT = 39092
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Tests", "KafkaProtocolTests", "Fixtures")
API_NAMES = {0: "Produce", 3: "Metadata", 18: "ApiVersions"}

CONFLUENT_PRODUCER = f"""
from confluent_kafka import Producer
producer = Producer({{"bootstrap.servers": "127.0.0.1:{PORT}", "client.id": "logport-fixture"}})
producer.produce("fixtures", b"hello from confluent-kafka")
assert producer.flush(15) == 0, "message not acknowledged"
"""

KAFKA_PYTHON_PRODUCER = f"""
from kafka import KafkaProducer
producer = KafkaProducer(
    bootstrap_servers="127.0.0.1:{PORT}", client_id="logport-fixture", enable_idempotence=False
)
producer.send("fixtures", b"hello from kafka-python").get(timeout=15)
producer.close()
"""

CLIENTS = [
    ("kcat", ["kcat", "-b", f"127.0.0.1:{PORT}", "-L", "-m", "10"]),
    ("confluent-kafka", [sys.executable, "-c", CONFLUENT_PRODUCER]),
    ("kafka-python", [sys.executable, "-c", KAFKA_PYTHON_PRODUCER]),
]


class FakeBroker:
    def __init__(self, responses):
        self.responses = responses
        self.client = None
        self.saved = set()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", PORT))
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        with connection:
            while True:
                size_bytes = read_exactly(connection, 4)
                if size_bytes is None:
                    return
                frame = read_exactly(connection, struct.unpack(">i", size_bytes)[0])
                if frame is None:
                    return
                api_key, api_version, correlation_id = struct.unpack(">hhi", frame[:8])
                self.save(size_bytes + frame, api_key, api_version)
                response = self.responses.get(f"{api_key}:{api_version}")
                if response is None:
                    print(f"  {self.client}: no answer for api key {api_key} v{api_version}; closing")
                    return
                body = struct.pack(">i", correlation_id) + bytes.fromhex(response)[4:]
                connection.sendall(struct.pack(">i", len(body)) + body)

    def save(self, frame, api_key, api_version):
        name = f"{self.client}-{API_NAMES.get(api_key, f'api{api_key}')}-v{api_version}.bin"
        with self.lock:
            if name in self.saved:
                return
            self.saved.add(name)
        with open(os.path.join(FIXTURES, name), "wb") as file:
            file.write(frame)
        print(f"  saved {name} ({len(frame)} bytes)")


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main():
    with open(os.path.join(FIXTURES, "fake-broker-responses.json")) as file:
        broker = FakeBroker(json.load(file))
    failures = 0
    for name, command in CLIENTS:
        print(f"{name}:")
        broker.client = name
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            failures += 1
            print(f"  exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
