import KafkaProtocol
import NIOPosix

/// Everything the log layer can refuse or fail with. Each case carries what an operator needs to
/// act (partition, offset, file, operation) and maps onto the Kafka error code the broker answers with.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call on a log file failed (full disk, I/O error, permissions). The broker answers
    /// KAFKA_STORAGE_ERROR; the log was left consistent (a partial write is truncated back).
    case io(operation: String, path: String, errno: Int32)
    /// The partition stopped accepting requests after a failed fsync: the kernel may have dropped the
    /// dirty pages, so nothing written since the last good flush can be trusted until a restart recovers it.
    case logOffline(TopicPartition, cause: String)
    case closed(TopicPartition)
    case offsetOutOfRange(TopicPartition, requested: Offset, logStartOffset: Offset, logEndOffset: Offset)
    /// The appended bytes are not a sequence of whole magic-v2 batches.
    case invalidRecords(TopicPartition, reason: String)
    case batchTooLarge(TopicPartition, size: Int, limit: Int, key: String)
    case outOfOrderSequence(TopicPartition, producerID: ProducerID, expected: Int32, received: Int32)
    case invalidProducerEpoch(TopicPartition, producerID: ProducerID, current: ProducerEpoch, received: ProducerEpoch)
    /// A duplicate inside a multi-batch append, which cannot be answered with one set of offsets.
    case duplicateSequence(TopicPartition, producerID: ProducerID, baseSequence: Int32)
    case flusherStopped(TopicPartition)
    /// The `LogManager` was shut down; no topic can change any more.
    case shutDown(dataDirectory: String)
    /// Waiters for offsets that a truncation removed.
    case truncated(TopicPartition, offset: Offset, newLogEndOffset: Offset)
    case invalidConfig(LogConfigError)
    case invalidTopicName(String, reason: String)
    case topicAlreadyExists(String)
    case unknownTopic(String)
    case invalidPartitionCount(topic: String, requested: Int32, current: Int32)
    /// A file the log layer wrote no longer parses (a segment corrupted after it was opened, a bad
    /// metadata file); the operator must look at it.
    case corruptFile(path: String, reason: String)

    /// The code the broker puts in its response.
    public var errorCode: ErrorCode {
        switch self {
        case .io, .logOffline, .flusherStopped, .shutDown, .corruptFile: return .kafkaStorageError
        case .closed, .unknownTopic: return .unknownTopicOrPartition
        case .offsetOutOfRange: return .offsetOutOfRange
        case .invalidRecords: return .corruptMessage
        case .batchTooLarge: return .messageTooLarge
        case .outOfOrderSequence: return .outOfOrderSequenceNumber
        case .invalidProducerEpoch: return .invalidProducerEpoch
        case .duplicateSequence: return .duplicateSequenceNumber
        case .truncated: return .notLeaderOrFollower
        case .invalidConfig: return .invalidConfig
        case .invalidTopicName: return .invalidTopicException
        case .topicAlreadyExists: return .topicAlreadyExists
        case .invalidPartitionCount: return .invalidPartitions
        }
    }

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "\(operation) failed on \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .logOffline(let tp, let cause):
            return "partition \(tp) is offline after a failed flush: \(cause)"
        case .closed(let tp):
            return "partition \(tp) is closed"
        case .offsetOutOfRange(let tp, let requested, let start, let end):
            return "offset \(requested) is out of range for \(tp) (log start \(start), log end \(end))"
        case .invalidRecords(let tp, let reason):
            return "invalid record batches for \(tp): \(reason)"
        case .batchTooLarge(let tp, let size, let limit, let key):
            return "record batch of \(size) bytes for \(tp) exceeds \(key)=\(limit)"
        case .outOfOrderSequence(let tp, let producer, let expected, let received):
            return "out of order sequence for producer \(producer) on \(tp): expected \(expected), received \(received)"
        case .invalidProducerEpoch(let tp, let producer, let current, let received):
            return "producer \(producer) on \(tp) is fenced: epoch \(received) is older than \(current)"
        case .duplicateSequence(let tp, let producer, let sequence):
            return "duplicate batch (base sequence \(sequence)) from producer \(producer) inside a multi-batch append to \(tp)"
        case .flusherStopped(let tp):
            return "the log flusher stopped before \(tp) was flushed"
        case .shutDown(let directory):
            return "the log manager for \(directory) is shut down"
        case .truncated(let tp, let offset, let end):
            return "offset \(offset) of \(tp) was truncated away (log end is now \(end))"
        case .invalidConfig(let error):
            return error.description
        case .invalidTopicName(let name, let reason):
            return "invalid topic name '\(name)': \(reason)"
        case .topicAlreadyExists(let name):
            return "topic '\(name)' already exists"
        case .unknownTopic(let name):
            return "unknown topic '\(name)'"
        case .invalidPartitionCount(let topic, let requested, let current):
            return "topic '\(topic)' has \(current) partitions; cannot change to \(requested)"
        case .corruptFile(let path, let reason):
            return "corrupt file \(path): \(reason)"
        }
    }
}
