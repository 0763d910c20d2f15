import KafkaProtocol
import KafkaRecords
import NIOCore

/// The producer state snapshot file `<offset>.snapshot`: the idempotence state after every batch
/// below `offset`, so opening a log replays at most the batches after the newest snapshot. Kafka
/// writes one per segment roll; so do we, plus one at clean shutdown. Unlike Kafka's format we keep
/// all five remembered batches per producer, so retries are still recognised after a restart.
///
/// Layout (big-endian): version int16 = 1 · crc32c uint32 of the rest · producer count int32 · per
/// producer: id int64, epoch int16, last timestamp int64, batch count int8, then per batch first
/// sequence int32, last sequence int32, first offset int64, last offset int64, max timestamp int64.
enum ProducerStateSnapshot {
    static let version: Int16 = 1

    static func encode(_ table: ProducerStateTable) -> ByteBuffer {
        var body = ByteBufferAllocator().buffer(capacity: 64 + table.producers.count * 64)
        body.writeInteger(Int32(table.producers.count))
        for (id, entry) in table.producers.sorted(by: { $0.key < $1.key }) {
            body.writeInteger(id.rawValue)
            body.writeInteger(entry.epoch.rawValue)
            body.writeInteger(entry.lastTimestamp)
            body.writeInteger(Int8(entry.batches.count))
            for batch in entry.batches {
                body.writeInteger(batch.firstSequence)
                body.writeInteger(batch.lastSequence)
                body.writeInteger(batch.firstOffset.rawValue)
                body.writeInteger(batch.lastOffset.rawValue)
                body.writeInteger(batch.maxTimestamp)
            }
        }
        var file = ByteBufferAllocator().buffer(capacity: body.readableBytes + 6)
        file.writeInteger(version)
        file.writeInteger(crc32c(body))
        file.writeBuffer(&body)
        return file
    }

    /// The table, or nil when the file is torn, from another version, or fails its CRC.
    static func decode(_ file: ByteBuffer) -> ProducerStateTable? {
        var reader = file
        guard reader.readInteger(as: Int16.self) == version, let crc = reader.readInteger(as: UInt32.self),
            crc32c(reader) == crc, let count = reader.readInteger(as: Int32.self), count >= 0
        else { return nil }
        var producers: [ProducerID: ProducerEntry] = [:]
        for _ in 0..<count {
            guard let id = reader.readInteger(as: Int64.self), let epoch = reader.readInteger(as: Int16.self),
                let lastTimestamp = reader.readInteger(as: Int64.self), let batchCount = reader.readInteger(as: Int8.self),
                batchCount >= 0
            else { return nil }
            var batches: [ProducerBatch] = []
            for _ in 0..<batchCount {
                guard let first = reader.readInteger(as: Int32.self), let last = reader.readInteger(as: Int32.self),
                    let firstOffset = reader.readInteger(as: Int64.self), let lastOffset = reader.readInteger(as: Int64.self),
                    let maxTimestamp = reader.readInteger(as: Int64.self)
                else { return nil }
                batches.append(
                    ProducerBatch(
                        firstSequence: first, lastSequence: last, firstOffset: Offset(firstOffset),
                        lastOffset: Offset(lastOffset), maxTimestamp: maxTimestamp))
            }
            producers[ProducerID(id)] = ProducerEntry(epoch: ProducerEpoch(epoch), batches: batches, lastTimestamp: lastTimestamp)
        }
        guard reader.readableBytes == 0 else { return nil }
        return ProducerStateTable(producers: producers)
    }
}
