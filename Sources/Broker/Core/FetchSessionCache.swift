import KafkaProtocol
import NIOConcurrencyHelpers

/// Incremental fetch sessions (KIP-227). A consumer that opens a session sends, after the first
/// full request, only the partitions whose fetch position changed, and gets back only partitions
/// with records or changed offsets — a big saving for consumers of many partitions.
///
/// Sessions live in memory, at most `capacity` of them; when full, the least recently used one is
/// evicted and its consumer falls back to a full fetch after FETCH_SESSION_ID_NOT_FOUND, as Kafka's do.
final class FetchSessionCache: Sendable {
    /// One partition of a session: where the consumer is, and the offsets it was last told.
    struct PartitionState: Sendable {
        var topicID: KafkaUUID
        var request: FetchRequest.FetchPartition
        var lastSent: (highWatermark: Offset, lastStableOffset: Offset, logStartOffset: Offset)?
    }

    private struct Session {
        let id: Int32
        var nextEpoch: Int32 = 1
        var partitions: [TopicPartitionKey: PartitionState] = [:]
        /// Partitions in the order the consumer added them; answers follow it.
        var order: [TopicPartitionKey] = []
        var lastUsed: UInt64 = 0
    }

    /// A request's session applied, or the error that refuses it.
    enum Outcome: Sendable {
        case resolved(Resolution)
        case rejected(ErrorCode)
    }

    /// What a fetch request means once its session is taken into account.
    struct Resolution: Sendable {
        /// The session id to answer with (0: no session).
        let sessionID: Int32
        /// The session epoch this request used; filtering the answer checks it is still current.
        let epoch: Int32
        /// Topics and partitions to read, in the session's order.
        let topics: [FetchRequest.FetchTopic]
        /// Only changed partitions are sent back.
        let isIncremental: Bool
    }

    private struct State {
        var sessions: [Int32: Session] = [:]
        var nextID: Int32 = 1
        var clock: UInt64 = 0
    }

    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    /// Applies the request to its session (creating, updating or closing it).
    /// `topicName` maps a v13+ topic id to its name (nil when unknown).
    func resolve(_ request: FetchRequest, topicName: (FetchRequest.FetchTopic) -> String?) -> Outcome {
        state.withLockedValue { state in
            state.clock &+= 1
            let id = request.sessionId
            let epoch = request.sessionEpoch
            switch (id, epoch) {
            case (0, -1):
                return .resolved(Resolution(sessionID: 0, epoch: -1, topics: request.topics, isIncremental: false))
            case (_, 0):
                if id != 0 { state.sessions[id] = nil }
                var session = Self.open(&state, capacity: capacity)
                Self.apply(request, to: &session, topicName: topicName)
                session.lastUsed = state.clock
                state.sessions[session.id] = session
                return .resolved(Resolution(sessionID: session.id, epoch: 0, topics: request.topics, isIncremental: false))
            case (_, -1):
                state.sessions[id] = nil
                return .resolved(Resolution(sessionID: 0, epoch: -1, topics: request.topics, isIncremental: false))
            case (0, _):
                return .rejected(.invalidFetchSessionEpoch)
            default:
                guard var session = state.sessions[id] else { return .rejected(.fetchSessionIDNotFound) }
                guard session.nextEpoch == epoch else { return .rejected(.invalidFetchSessionEpoch) }
                session.nextEpoch = epoch == Int32.max ? 1 : epoch + 1
                session.lastUsed = state.clock
                Self.apply(request, to: &session, topicName: topicName)
                state.sessions[id] = session
                return .resolved(Resolution(sessionID: id, epoch: epoch, topics: Self.topics(of: session), isIncremental: true))
            }
        }
    }

    /// Trims an incremental answer to what changed since the session last reported each partition,
    /// and remembers what is sent now. A full answer for a session is recorded whole.
    func finish(_ response: inout FetchResponse, for resolution: Resolution) {
        guard resolution.sessionID != 0 else { return }
        state.withLockedValue { state in
            guard var session = state.sessions[resolution.sessionID] else { return }
            defer { state.sessions[resolution.sessionID] = session }
            for topicIndex in response.responses.indices {
                let name = response.responses[topicIndex].topic
                response.responses[topicIndex].partitions.removeAll { data in
                    let key = TopicPartitionKey(topic: name, partition: data.partitionIndex.rawValue)
                    let now = (data.highWatermark, data.lastStableOffset, data.logStartOffset)
                    let previous = session.partitions[key]?.lastSent
                    session.partitions[key]?.lastSent = now
                    guard resolution.isIncremental else { return false }
                    let changed = previous.map { $0 != now } ?? true
                    let hasRecords = (data.records?.byteCount ?? 0) > 0
                    return !(changed || hasRecords || data.errorCode != .none)
                }
            }
            if resolution.isIncremental {
                response.responses.removeAll { $0.partitions.isEmpty }
            }
        }
    }

    var count: Int { state.withLockedValue { $0.sessions.count } }

    private static func open(_ state: inout State, capacity: Int) -> Session {
        if state.sessions.count >= capacity, let oldest = state.sessions.values.min(by: { $0.lastUsed < $1.lastUsed }) {
            state.sessions[oldest.id] = nil
        }
        var id = state.nextID
        while state.sessions[id] != nil || id == 0 { id = id == Int32.max ? 1 : id + 1 }
        state.nextID = id == Int32.max ? 1 : id + 1
        return Session(id: id)
    }

    private static func apply(_ request: FetchRequest, to session: inout Session, topicName: (FetchRequest.FetchTopic) -> String?) {
        for forgotten in request.forgottenTopicsData {
            let name = forgotten.topic.isEmpty
                ? session.partitions.first { $0.value.topicID == forgotten.topicId }?.key.topic ?? ""
                : forgotten.topic
            for partition in forgotten.partitions {
                let key = TopicPartitionKey(topic: name, partition: partition.rawValue)
                session.partitions[key] = nil
                session.order.removeAll { $0 == key }
            }
        }
        for topic in request.topics {
            let name = topicName(topic) ?? topic.topic
            for partition in topic.partitions {
                let key = TopicPartitionKey(topic: name, partition: partition.partition.rawValue)
                if session.partitions[key] == nil { session.order.append(key) }
                let lastSent = session.partitions[key]?.lastSent
                session.partitions[key] = PartitionState(topicID: topic.topicId, request: partition, lastSent: lastSent)
            }
        }
    }

    private static func topics(of session: Session) -> [FetchRequest.FetchTopic] {
        var topics: [FetchRequest.FetchTopic] = []
        for key in session.order {
            guard let state = session.partitions[key] else { continue }
            if topics.last?.topic == key.topic {
                topics[topics.count - 1].partitions.append(state.request)
            } else {
                topics.append(FetchRequest.FetchTopic(topic: key.topic, topicId: state.topicID, partitions: [state.request]))
            }
        }
        return topics
    }
}
