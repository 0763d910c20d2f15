import KafkaProtocol
import KafkaRecords
import LogStorage
import NIOConcurrencyHelpers
import NIOCore

/// Topics kept in memory: the broker's tests use it to exercise handlers without disk I/O, and it
/// documents the storage seam's contract in the simplest form. Nothing survives a restart.
final class InMemoryTopicStorage: TopicStorage {
    private let state = NIOLockedValueBox<[String: (info: TopicMetadata, partitions: [InMemoryPartition])]>([:])
    let defaultMaxMessageBytes: Int

    init(maxMessageBytes: Int = 1_048_588) {
        self.defaultMaxMessageBytes = maxMessageBytes
    }

    func topics() -> [TopicMetadata] { state.withLockedValue { $0.values.map(\.info) } }
    func topic(named name: String) -> TopicMetadata? { state.withLockedValue { $0[name]?.info } }
    func topic(id: KafkaUUID) -> TopicMetadata? {
        id.isZero ? nil : state.withLockedValue { $0.values.first { $0.info.id == id }?.info }
    }

    func createTopic(name: String, partitions: Int32, config: [String: String]) throws -> TopicMetadata {
        try state.withLockedValue { topics in
            guard topics[name] == nil else { throw InMemoryStorageError("topic \(name) exists") }
            let info = TopicMetadata(name: name, id: .random(), partitionCount: partitions, configOverrides: config)
            topics[name] = (info, (0..<partitions).map { _ in InMemoryPartition(maxMessageBytes: defaultMaxMessageBytes) })
            return info
        }
    }

    func deleteTopic(name: String) throws {
        state.withLockedValue { _ = $0.removeValue(forKey: name) }
    }

    func addPartitions(topic: String, totalCount: Int32) throws {
        try state.withLockedValue { topics in
            guard var entry = topics[topic] else { throw InMemoryStorageError("no topic \(topic)") }
            while entry.partitions.count < totalCount { entry.partitions.append(InMemoryPartition(maxMessageBytes: defaultMaxMessageBytes)) }
            entry.info.partitionCount = totalCount
            topics[topic] = entry
        }
    }

    func setConfig(topic: String, config: [String: String]) throws {
        state.withLockedValue { $0[topic]?.info.configOverrides = config }
    }

    func partitionStorage(topic: String, index: PartitionIndex) -> (any PartitionStorage)? {
        state.withLockedValue { topics in
            guard let partitions = topics[topic]?.partitions, index.rawValue >= 0, Int(index.rawValue) < partitions.count else { return nil }
            return partitions[Int(index.rawValue)]
        }
    }

    func effectiveConfig(topic: String) -> [(name: String, value: String, isDefault: Bool)] {
        (topics().first { $0.name == topic }?.configOverrides ?? [:]).map { ($0.key, $0.value, false) }
    }

    func validate(config: [String: String]) throws {}
    func close() throws {}
}

struct InMemoryStorageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One partition's batches in memory, offsets assigned on append.
final class InMemoryPartition: PartitionStorage {
    private struct State {
        var batches: [(header: RecordBatchHeader, bytes: ByteBuffer)] = []
        var offsets = LogOffsets(logStartOffset: 0, highWatermark: 0, lastStableOffset: 0, logEndOffset: 0)
    }

    private let state = NIOLockedValueBox(State())
    let maxMessageBytes: Int

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    var offsets: LogOffsets { state.withLockedValue { $0.offsets } }

    var sizeInBytes: Int { state.withLockedValue { $0.batches.reduce(0) { $0 + $1.bytes.readableBytes } } }

    func append(_ records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> AppendResult {
        let batches = try ProducedRecordsValidator.validate(records, maxBatchBytes: Int.max).map(\.header)
        return state.withLockedValue { state in
            let first = state.offsets.logEndOffset
            var next = first
            var position = records.readerIndex
            for var header in batches {
                var bytes = records.getSlice(at: position, length: header.totalSize)!
                position += header.totalSize
                header.baseOffset = next
                bytes.setInteger(next.rawValue, at: bytes.readerIndex)
                bytes.setInteger(leaderEpoch.rawValue, at: bytes.readerIndex + RecordBatchHeader.partitionLeaderEpochOffset)
                state.batches.append((header, bytes))
                next = header.nextOffset
            }
            state.offsets.logEndOffset = next
            state.offsets.highWatermark = next
            state.offsets.lastStableOffset = next
            return AppendResult(firstOffset: first, lastOffset: next + -1, logAppendTime: -1, logStartOffset: state.offsets.logStartOffset)
        }
    }

    func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) throws -> PartitionRead {
        state.withLockedValue { state in
            var out = ByteBuffer()
            for (header, bytes) in state.batches where header.nextOffset > offset {
                if out.readableBytes + bytes.readableBytes > maxBytes && !(minOneBatch && out.readableBytes == 0) { break }
                var copy = bytes
                out.writeBuffer(&copy)
            }
            return PartitionRead(records: .memory(out), offsets: state.offsets, release: nil)
        }
    }

    /// Memory is all there is: every read is answered.
    func readWithoutIO(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) -> PartitionRead? {
        try? read(from: offset, maxBytes: maxBytes, upTo: bound, minOneBatch: minOneBatch)
    }

    func readIntoMemory(from offset: Offset, maxBytes: Int) throws -> ByteBuffer {
        try read(from: offset, maxBytes: maxBytes, upTo: .highWatermark, minOneBatch: true).records?.buffer ?? ByteBuffer()
    }

    func firstRecord(atOrAfter timestamp: Int64) throws -> TimestampOffset? {
        state.withLockedValue { state in
            guard let batch = state.batches.first(where: { $0.header.maxTimestamp >= timestamp }) else { return nil }
            return RecordTimestampSearch.firstRecord(atOrAfter: timestamp, in: batch.bytes, notBefore: batch.header.baseOffset)
        }
    }

    func offsetOfMaxTimestamp() throws -> TimestampOffset? {
        state.withLockedValue { state in
            state.batches.max { $0.header.maxTimestamp < $1.header.maxTimestamp }.map {
                TimestampOffset(offset: $0.header.lastOffset, timestamp: $0.header.maxTimestamp)
            }
        }
    }

    func deleteRecords(before offset: Offset, now: Int64) throws -> Offset {
        state.withLockedValue { state in
            state.offsets.logStartOffset = max(state.offsets.logStartOffset, offset)
            return state.offsets.logStartOffset
        }
    }

    func whenDurable(upTo offset: Offset, _ callback: @escaping @Sendable (Error?) -> Void) {
        callback(nil)
    }
}
