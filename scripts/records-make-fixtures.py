#!/usr/bin/env python3
"""Writes record-batch fixtures for Tests/KafkaRecordsTests with kafka-python's own encoders.

Each fixture is NAME.bin (the bytes kafka-python produced) and NAME.json (the records this
script handed to the encoder, which a decoder must get back exactly):

  {"magic": 2, "codec": "gzip", "producerId": -1, "producerEpoch": -1, "baseSequence": -1,
   "isTransactional": false,
   "records": [{"offset": 0, "timestamp": 1700000000000, "key": "hex" | null, "value": "hex" | null,
                "headers": [{"key": "name", "value": "hex" | null}]}]}

Legacy (magic 0/1) fixtures use LegacyRecordBatchBuilder. kafka-python writes a compressed
wrapper at offset 0 with inner offsets 0..n-1; the expected offsets follow Kafka's rule for
magic 1 (wrapper offset - last inner offset + inner offset), and are the inner offsets for magic 0.

Needs: pip install kafka-python lz4 python-snappy zstandard xxhash
Usage: scripts/records-make-fixtures.py [output-dir]   (default Tests/KafkaRecordsTests/Fixtures)
"""
import functools
import gzip
import json
import os
import sys
import types

from kafka.record import default_records
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder
from kafka import codec as kafka_codec

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TIMESTAMP = 1_700_000_000_000


def hex_or_none(data):
    return None if data is None else bytes(data).hex()


def record_json(offset, timestamp, key, value, headers):
    return {
        "offset": offset,
        "timestamp": timestamp,
        "key": hex_or_none(key),
        "value": hex_or_none(value),
        "headers": [{"key": k, "value": hex_or_none(v)} for k, v in headers],
    }


def many_records(count):
    """Keys, null keys, null values, headers (incl. null values and non-ASCII keys), timestamps out of order."""
    records = []
    for i in range(count):
        key = None if i % 7 == 3 else b"key-%03d" % i
        value = None if i % 5 == 4 else (b"value %d, a compressible line of text. " % i) * (1 + i % 4)
        headers = []
        if i % 3 == 0:
            headers = [("trace-id", b"t-%d" % i), ("empty", None)]
        if i % 10 == 1:
            headers.append(("h\u00e9ader-\u00fc", bytes([0, 1, 2, 255])))
        timestamp = BASE_TIMESTAMP + i * 37 - (500 if i == 5 else 0)
        records.append((key, value, headers, timestamp))
    return records


def single_record():
    return [(b"the-only-key", b"a single but very compressible value " * 20, [("source", b"fixture")], BASE_TIMESTAMP + 1)]


def write(directory, name, data, description):
    with open(os.path.join(directory, name + ".bin"), "wb") as f:
        f.write(bytes(data))
    with open(os.path.join(directory, name + ".json"), "w") as f:
        json.dump(description, f, indent=0, sort_keys=True)
        f.write("\n")


def codec_of(attributes):
    return attributes & 0x07


def make_v2(directory, codec_name, kind, records, producer):
    producer_id, producer_epoch, base_sequence, transactional = producer
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=CODECS[codec_name], is_transactional=transactional,
        producer_id=producer_id, producer_epoch=producer_epoch, base_sequence=base_sequence,
        batch_size=1 << 30)
    for offset, (key, value, headers, timestamp) in enumerate(records):
        builder.append(offset, timestamp=timestamp, key=key, value=value, headers=headers)
    data = builder.build()
    # kafka-python silently falls back to no compression when it does not pay off; a fixture must not.
    attributes = int.from_bytes(data[21:23], "big")
    assert codec_of(attributes) == CODECS[codec_name], (codec_name, kind, attributes)
    write(directory, "v2-%s-%s" % (codec_name, kind), data, {
        "magic": 2, "codec": codec_name,
        "producerId": producer_id, "producerEpoch": producer_epoch, "baseSequence": base_sequence,
        "isTransactional": transactional,
        "records": [record_json(i, ts, k, v, h) for i, (k, v, h, ts) in enumerate(records)],
    })


def make_v2_raw_snappy(directory):
    """librdkafka writes snappy unframed; kafka-python can too, with xerial_compatible=False."""
    xerial_encode = default_records.snappy_encode
    default_records.snappy_encode = lambda data: kafka_codec.snappy_encode(data, xerial_compatible=False)
    try:
        make_v2(directory, "snappy", "raw", many_records(20), (-1, -1, -1, False))
    finally:
        default_records.snappy_encode = xerial_encode


def make_v2_zstd_without_content_size(directory):
    """zstd-jni's streaming writer (the Java client) leaves the content size out of the frame header."""
    import zstandard
    sized_encode = default_records.zstd_encode
    default_records.zstd_encode = lambda data: zstandard.ZstdCompressor(write_content_size=False).compress(data)
    try:
        make_v2(directory, "zstd", "nosize", many_records(20), (-1, -1, -1, False))
    finally:
        default_records.zstd_encode = sized_encode


def make_legacy(directory, magic, codec_name, first_offset):
    records = [(k, v, ts) for k, v, _, ts in many_records(12)]
    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=CODECS[codec_name], batch_size=1 << 30)
    offsets = [first_offset + i for i in range(len(records))] if codec_name == "none" else list(range(len(records)))
    for offset, (key, value, timestamp) in zip(offsets, records):
        builder.append(offset, timestamp=timestamp, key=key, value=value)
    data = builder.build()
    if codec_name != "none" and magic == 1:
        wrapper_offset = int.from_bytes(data[0:8], "big", signed=True)
        offsets = [wrapper_offset - offsets[-1] + o for o in offsets]
    expected = [record_json(o, ts if magic == 1 else -1, k, v, []) for o, (k, v, ts) in zip(offsets, records)]
    write(directory, "legacy-v%d-%s" % (magic, codec_name), data, {
        "magic": magic, "codec": codec_name, "producerId": -1, "producerEpoch": -1, "baseSequence": -1,
        "isTransactional": False, "records": expected,
    })


def make_gzip_deterministic():
    """gzip headers carry the current time; pin it so regenerating gives the same bytes."""
    kafka_codec.gzip = types.SimpleNamespace(GzipFile=functools.partial(gzip.GzipFile, mtime=0))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "KafkaRecordsTests", "Fixtures")
    os.makedirs(directory, exist_ok=True)
    make_gzip_deterministic()
    assert kafka_codec.has_snappy() and kafka_codec.has_lz4() and kafka_codec.has_zstd(), "install lz4, python-snappy, zstandard"
    for codec_name in CODECS:
        make_v2(directory, codec_name, "many", many_records(50), (-1, -1, -1, False))
        make_v2(directory, codec_name, "single", single_record(), (4242, 3, 17, codec_name == "gzip"))
    make_v2_raw_snappy(directory)
    make_v2_zstd_without_content_size(directory)
    for magic in (0, 1):
        for codec_name in ("none", "gzip", "snappy", "lz4"):
            make_legacy(directory, magic, codec_name, first_offset=100)


if __name__ == "__main__":
    main()
