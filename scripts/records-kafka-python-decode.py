#!/usr/bin/env python3
"""Decodes a file of record batches or legacy message sets with kafka-python and prints JSON.

Used by Tests/KafkaRecordsTests to check that Logport's encoder writes what a real client reads.
Output: {"batches": [{"magic": 2, "codec": 1, "crcValid": true, "baseOffset": 0,
                      "producerId": -1, "producerEpoch": -1, "baseSequence": -1, "isTransactional": false,
                      "records": [{"offset": 0, "timestamp": 1700000000000, "key": "hex" | null,
                                   "value": "hex" | null, "headers": [{"key": "k", "value": "hex" | null}]}]}]}
Exit status 3 when kafka-python or a codec library is missing (the test then skips).
Usage: scripts/records-kafka-python-decode.py FILE
"""
import json
import sys

try:
    from kafka.record.memory_records import MemoryRecords
    from kafka import codec as kafka_codec
except ImportError as error:
    print("kafka-python is not importable: %s" % error, file=sys.stderr)
    sys.exit(3)


def hex_or_none(data):
    return None if data is None else bytes(data).hex()


def batch_json(batch):
    description = {
        "magic": batch.magic,
        "codec": batch.compression_type,
        "crcValid": batch.validate_crc(),
        "baseOffset": batch.base_offset,
        "records": [],
    }
    if batch.magic >= 2:
        description.update({
            "producerId": batch.producer_id, "producerEpoch": batch.producer_epoch,
            "baseSequence": batch.base_sequence, "isTransactional": batch.is_transactional,
        })
    for record in batch:
        description["records"].append({
            "offset": record.offset,
            "timestamp": -1 if record.timestamp is None else record.timestamp,
            "key": hex_or_none(record.key),
            "value": hex_or_none(record.value),
            "headers": [{"key": k, "value": hex_or_none(v)} for k, v in record.headers],
        })
    return description


def main():
    if not (kafka_codec.has_snappy() and kafka_codec.has_lz4() and kafka_codec.has_zstd()):
        print("kafka-python codecs missing: pip install lz4 python-snappy zstandard xxhash", file=sys.stderr)
        sys.exit(3)
    with open(sys.argv[1], "rb") as f:
        records = MemoryRecords(f.read())
    batches = []
    while records.has_next():
        batches.append(batch_json(records.next_batch()))
    json.dump({"batches": batches}, sys.stdout)


if __name__ == "__main__":
    main()
