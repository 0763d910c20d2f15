import CRdKafka

/// A librdkafka error code: Kafka protocol errors are positive, librdkafka's own (local) errors are
/// negative and their names start with an underscore (`_TIMED_OUT`, `_QUEUE_FULL`, `_TRANSPORT`).
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(_ native: rd_kafka_resp_err_t) { rawValue = native.rawValue }

    var native: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name, e.g. `UNKNOWN_TOPIC_OR_PART` or `_TIMED_OUT`.
    public var name: String { String(cString: rd_kafka_err2name(native)) }

    /// librdkafka's human text for the code, e.g. "Broker: Unknown topic or partition".
    public var text: String { String(cString: rd_kafka_err2str(native)) }

    public var description: String { name }

    public static let noError = Self(RD_KAFKA_RESP_ERR_NO_ERROR)
    public static let timedOut = Self(RD_KAFKA_RESP_ERR__TIMED_OUT)
    public static let messageTimedOut = Self(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    public static let queueFull = Self(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    public static let transport = Self(RD_KAFKA_RESP_ERR__TRANSPORT)
    public static let allBrokersDown = Self(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    public static let invalidArgument = Self(RD_KAFKA_RESP_ERR__INVALID_ARG)
    public static let unsupportedFeature = Self(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
    public static let destroyed = Self(RD_KAFKA_RESP_ERR__DESTROY)
    public static let state = Self(RD_KAFKA_RESP_ERR__STATE)
    public static let partitionEOF = Self(RD_KAFKA_RESP_ERR__PARTITION_EOF)
    public static let unknownTopicOrPartition = Self(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    public static let unknownTopic = Self(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    public static let unknownPartition = Self(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    public static let topicAlreadyExists = Self(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    public static let groupIDNotFound = Self(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
    public static let nonEmptyGroup = Self(RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP)
    public static let coordinatorNotAvailable = Self(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
    public static let unknownMemberID = Self(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
}

/// An error from librdkafka or from this wrapper, keeping librdkafka's code and text so an operator
/// can look either up, plus what was being done when it happened (`context`: topic, partition, group).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public let code: KafkaErrorCode
    /// librdkafka's message, or ours where librdkafka has none.
    public let message: String
    /// What the client was doing, e.g. "creating topic logs" or "delivering to logs [2]".
    public let context: String?
    /// librdkafka says retrying the same operation may succeed.
    public let isRetriable: Bool
    /// The client instance can no longer be used (e.g. an idempotent producer's fatal error).
    public let isFatal: Bool

    public init(code: KafkaErrorCode, message: String? = nil, context: String? = nil, isRetriable: Bool = false, isFatal: Bool = false) {
        self.code = code
        self.message = message ?? code.text
        self.context = context
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    /// Takes ownership of `error` (an `rd_kafka_error_t`) and destroys it.
    init(consuming error: OpaquePointer, context: String?) {
        self.init(borrowing: error, context: context)
        rd_kafka_error_destroy(error)
    }

    init(borrowing error: OpaquePointer, context: String?) {
        self.init(
            code: KafkaErrorCode(rd_kafka_error_code(error)),
            message: rd_kafka_error_string(error).map { String(cString: $0) },
            context: context,
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0)
    }

    init(_ code: rd_kafka_resp_err_t, message: UnsafePointer<CChar>? = nil, context: String?) {
        self.init(code: KafkaErrorCode(code), message: message.map { String(cString: $0) }, context: context)
    }

    /// The same error with more explanation appended, e.g. the broker error that led to a timeout.
    func adding(detail: String) -> KafkaError {
        KafkaError(code: code, message: "\(message) (\(detail))", context: context, isRetriable: isRetriable, isFatal: isFatal)
    }

    public var description: String {
        let prefix = context.map { "\($0): " } ?? ""
        return "\(prefix)\(message) [\(code.name)]"
    }
}

/// Equal when code, message and context match; retriable/fatal flags follow from those.
extension KafkaError: Hashable {
    public static func == (lhs: KafkaError, rhs: KafkaError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.context == rhs.context
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(context)
    }
}
