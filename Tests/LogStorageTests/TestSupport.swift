import KafkaProtocol
import KafkaRecords
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import LogStorage

/// Valid magic-v2 batches with opaque record bytes: the log never decodes records, so the header
/// and a correct CRC are all it needs.
struct TestBatch {
    var records: Int32 = 1
    var payloadBytes = 40
    var maxTimestamp: Int64 = 1_000
    var producerID: Int64 = -1
    var producerEpoch: Int16 = -1
    var baseSequence: Int32 = -1
    var fill: UInt8 = 0xAB

    var bytes: ByteBuffer {
        var header = RecordBatchHeader(
            baseOffset: 0, batchLength: Int32(RecordBatchHeader.size - RecordBatchHeader.logOverhead + payloadBytes),
            partitionLeaderEpoch: .unknown, crc: 0, attributes: BatchAttributes(compression: .none),
            lastOffsetDelta: records - 1, baseTimestamp: maxTimestamp, maxTimestamp: maxTimestamp,
            producerID: ProducerID(producerID), producerEpoch: ProducerEpoch(producerEpoch), baseSequence: baseSequence,
            recordCount: records)
        var buffer = ByteBuffer()
        header.write(to: &buffer)
        buffer.writeRepeatingByte(fill, count: payloadBytes)
        header.crc = RecordBatchHeader.computeCRC(of: buffer, batchAt: 0, totalSize: buffer.readableBytes)
        buffer.setInteger(header.crc, at: RecordBatchHeader.crcOffset)
        return buffer
    }

    var size: Int { RecordBatchHeader.size + payloadBytes }
}

/// A fresh directory under /tmp, removed when the test is done.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/logstorage-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileSystem.removeRecursively(path) }

    func partitionDirectory(_ topicPartition: TopicPartition) -> String {
        FileSystem.join(path, topicPartition.directoryName)
    }
}

/// Counts data-file syncs; can hold them until released, to make group commit observable.
final class CountingSyncer: @unchecked Sendable {
    // `lock` guards `count` and `held`.
    private let lock = ConditionLock<Int>(value: 0)
    private var count = 0
    private var held = false
    private var blockedCalls = 0

    var syncs: Int { lock.lock(); defer { lock.unlock() }; return count }
    var blocked: Int { lock.lock(); defer { lock.unlock() }; return blockedCalls }

    var syncer: FileSyncer {
        FileSyncer { [self] descriptor, path in
            lock.lock()
            count += 1
            if held {
                blockedCalls += 1
                lock.unlock(withValue: 1)
                lock.lock(whenValue: 2)
            }
            lock.unlock()
            try FileSyncer.durable.syncFile(descriptor, path)
        }
    }

    func hold() {
        lock.lock()
        held = true
        lock.unlock(withValue: 0)
    }

    /// Waits until a sync is blocked in `hold` mode.
    func waitUntilBlocked() {
        lock.lock(whenValue: 1)
        lock.unlock()
    }

    func release() {
        lock.lock()
        held = false
        lock.unlock(withValue: 2)
    }
}

extension PartitionLog {
    static func openForTest(
        _ directory: TemporaryDirectory, _ topicPartition: TopicPartition = TopicPartition(topic: "events", partition: 0),
        config: LogConfig = LogConfig(), flusher: LogFlusher, now: Int64 = 1_000
    ) throws -> PartitionLog {
        try PartitionLog.open(topicPartition, dataDirectory: directory.path, config: config, flusher: flusher, now: now)
    }

    /// All batch headers from `offset` to the log end, read through `readBuffer`.
    func allHeaders(from offset: Offset = 0) throws -> [RecordBatchHeader] {
        var headers: [RecordBatchHeader] = []
        var next = offset
        while true {
            let result = try readBuffer(from: next, maxBytes: 1 << 20, upTo: .logEndOffset, minOneBatch: true)
            guard result.records.readableBytes > 0 else { return headers }
            var position = 0
            while let header = RecordBatchHeader.peek(result.records, at: position) {
                headers.append(header)
                position += header.totalSize
            }
            next = result.nextOffset
        }
    }
}

func configured(_ settings: [String: String]) throws -> LogConfig {
    try LogConfig(settings)
}

let events0 = TopicPartition(topic: "events", partition: 0)
