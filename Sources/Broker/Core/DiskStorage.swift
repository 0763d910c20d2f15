import KafkaProtocol
import KafkaRecords
import LogStorage
import NIOCore

/// The on-disk log manager as the broker's topic catalog.
extension LogManager: TopicStorage {
    func partitionStorage(topic: String, index: PartitionIndex) -> (any PartitionStorage)? {
        partition(topic: topic, index: index)
    }

    func close() throws {
        shutdown()
    }
}

/// A partition log on disk as the broker's partition storage.
extension PartitionLog: PartitionStorage {
    var maxMessageBytes: Int { (try? config.maxMessageBytes) ?? LogConfig().maxMessageBytes }

    func append(_ records: ByteBuffer, leaderEpoch: LeaderEpoch, now: Int64) throws -> AppendResult {
        let info = try append(records: records, leaderEpoch: leaderEpoch, now: now)
        return AppendResult(firstOffset: info.firstOffset, lastOffset: info.lastOffset, logAppendTime: info.logAppendTime, logStartOffset: info.logStartOffset)
    }

    func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) throws -> PartitionRead {
        PartitionRead(try read(from: offset, maxBytes: maxBytes, upTo: bound, minOneBatch: minOneBatch) as LogReadResult)
    }

    /// Served from the log's newest appends (their bytes, or a `dup` of the segment); a failed `dup`
    /// leaves it to the file path.
    func readWithoutIO(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) -> PartitionRead? {
        guard let result = try? readRecent(from: offset, maxBytes: maxBytes, upTo: bound, minOneBatch: minOneBatch) else { return nil }
        return PartitionRead(result)
    }

    func readIntoMemory(from offset: Offset, maxBytes: Int) throws -> ByteBuffer {
        try readBuffer(from: offset, maxBytes: maxBytes, upTo: .highWatermark, minOneBatch: true).records
    }

    /// The log answers per batch; Kafka answers per record, so decode the one batch it found and
    /// pick the first record at or after `timestamp` (the only place the broker decodes records).
    func firstRecord(atOrAfter timestamp: Int64) throws -> TimestampOffset? {
        guard let candidate: TimestampOffset = try offset(forTimestamp: timestamp) else { return nil }
        let batchBytes = try readBuffer(from: candidate.offset, maxBytes: 1, upTo: .highWatermark, minOneBatch: true).records
        return RecordTimestampSearch.firstRecord(atOrAfter: timestamp, in: batchBytes, notBefore: candidate.offset) ?? candidate
    }
}

extension PartitionRead {
    /// A log read; a file region's duplicated descriptor is closed once the response is written.
    init(_ result: LogReadResult) {
        guard case .file(let region) = result.records else {
            self.init(records: result.records, offsets: result.offsets, release: nil)
            return
        }
        self.init(records: .file(region), offsets: result.offsets, release: { try? region.fileHandle.close() })
    }
}

/// Finds a record by timestamp inside stored batches.
enum RecordTimestampSearch {
    static func firstRecord(atOrAfter timestamp: Int64, in batches: ByteBuffer, notBefore start: Offset) -> TimestampOffset? {
        guard let decoded = try? RecordBatch.readAll(from: batches, decompressionLimit: Compression.defaultDecompressionLimit) else { return nil }
        for batch in decoded {
            for record in batch.records {
                let offset = batch.offset(of: record)
                let recordTimestamp = batch.timestamp(of: record)
                if offset >= start && recordTimestamp >= timestamp {
                    return TimestampOffset(offset: offset, timestamp: recordTimestamp)
                }
            }
        }
        return nil
    }
}

extension LogError: StorageErrorMapping {
    var kafkaErrorCode: ErrorCode { errorCode }
}
