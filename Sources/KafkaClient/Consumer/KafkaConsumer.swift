import CRdKafka
import Logging
import NIOConcurrencyHelpers

/// A Kafka consumer over librdkafka, in one of two modes chosen by `group.id`:
/// - with a group: `subscribe` (group-managed, eager or cooperative-sticky rebalancing) or `assign`,
///   and commits (auto, manual, or of specific offsets);
/// - without a group: `assign` only, read through librdkafka's simple consumer, never contacting a
///   group coordinator.
///
/// Guarantees: records arrive through `messages`, fetched by a dedicated poll thread (never the Swift
/// cooperative pool) into a buffer of `bufferCapacity` records; a reader that falls behind makes the
/// poll thread wait instead of growing memory. Unless the configuration sets
/// `enable.auto.offset.store`, an offset is stored for committing only when a reader has taken its
/// record, so auto-commit and `commit()` never cover records still unread in the buffer. Blocking
/// librdkafka calls (commit, seek, committed, close) run on dedicated threads. With a
/// `revocationTimeout`, partitions the group takes away stay this consumer's until the owner finishes the
/// `.partitionsRevoking` event (see `PartitionRevocation`).
public final class KafkaConsumer: Sendable {
    /// Records, in order per partition. Ends at `close`; throws on a fatal client error.
    public let messages: KafkaConsumerMessages
    /// Rebalances, partition EOFs and non-fatal errors; keeps the newest 1024 if nobody reads.
    public let events: AsyncStream<KafkaConsumerEvent>
    public let groupID: String?

    private let client: NativeClient
    private let poller: ConsumerPoller
    private let pollThread: PollThread
    private let open: NIOLockedValueBox<Bool>

    /// With a `revocationTimeout` (group consumers only), the group's revocations are held until the
    /// owner finishes the `.partitionsRevoking` event, for at most that long, so it can finish its work
    /// on the partitions (flush output, commit) while it still owns them. The timeout must stay below
    /// `max.poll.interval.ms` (default 300 s), past which librdkafka would leave the group.
    public init(config: KafkaConfig, bufferCapacity: Int = 1000, revocationTimeout: Duration? = nil,
                logger: Logger = Logger(label: "logport.kafka.consumer")) throws {
        var config = config
        let groupID = config.groupID.flatMap { $0.isEmpty ? nil : $0 }
        config.groupID = groupID
        let storesPositions = groupID != nil && config["enable.auto.offset.store"] == nil
        if storesPositions { config["enable.auto.offset.store"] = "false" }
        if let revocationTimeout { try Self.validate(revocationTimeout: revocationTimeout, config: config) }

        let buffer = ConsumedMessageBuffer(capacity: bufferCapacity)
        let fetch = FetchInProgress(buffer: buffer)
        let open = NIOLockedValueBox(true)
        let (events, sink) = AsyncStream.makeStream(of: KafkaConsumerEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let rebalancing = RebalanceHandling(fetch: fetch, events: sink, storesPositions: storesPositions,
                                            revocationTimeout: revocationTimeout, open: open, logger: logger)
        var onRebalance: ClientCallbacks.RebalanceHandler?
        if groupID != nil {
            onRebalance = { handle, reason, partitions in rebalancing.handle(handle, reason: reason, partitions: partitions) }
        }
        let callbacks = ClientCallbacks(logger: logger, onError: { sink.yield(.error($0)) }, onRebalance: onRebalance)
        let client = try NativeClient(type: RD_KAFKA_CONSUMER, config: config, callbacks: callbacks)
        let source: ConsumerPoller.Source
        if groupID != nil {
            try client.check(rd_kafka_poll_set_consumer(client.handle), "routing events to the consumer queue")
            source = .group
        } else {
            source = .standalone(StandalonePartitions(client: client))
        }
        let poller = ConsumerPoller(client: client, source: source, fetch: fetch, events: sink, storesPositions: storesPositions)
        self.open = open
        self.client = client
        self.poller = poller
        self.groupID = groupID
        self.messages = KafkaConsumerMessages(buffer: buffer)
        self.events = events
        self.pollThread = PollThread(name: "kafka-consumer") { thread in
            poller.pollOnce(while: { thread.isRunning })
        }
    }

    deinit {
        let teardown = teardown
        BlockingCalls.runDetached { try? teardown.run() }
    }

    /// Joins the group and lets it assign partitions of `topics` (names or `^regex` patterns).
    public func subscribe(topics: [String]) throws {
        try requireGroup("subscribing to \(topics)")
        let list = PartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        try client.check(rd_kafka_subscribe(client.handle, list.pointer), "subscribing to \(topics)")
    }

    public func unsubscribe() throws {
        try client.check(rd_kafka_unsubscribe(client.handle), "unsubscribing")
    }

    /// Reads exactly these partitions from these positions, replacing any previous assignment;
    /// records fetched under the previous assignment and not yet read are dropped.
    public func assign(_ offsets: [TopicPartition: KafkaOffset]) async throws {
        let client = client
        let poller = poller
        try await BlockingCalls.run {
            _ = try poller.reposition(discarding: { _ in true }) { () throws(KafkaError) in
                switch poller.source {
                case .group:
                    let list = PartitionList(offsets.mapValues(\.rawValue))
                    try client.check(rd_kafka_assign(client.handle, list.pointer), "assigning \(offsets.keys.sorted())")
                case .standalone(let partitions):
                    try partitions.assign(offsets)
                }
            }
        }
    }

    /// The partitions this consumer reads now.
    public func assignment() async throws -> [TopicPartition] {
        switch poller.source {
        case .group:
            let client = client
            return try await BlockingCalls.run {
                var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
                try client.check(rd_kafka_assignment(client.handle, &list), "reading the assignment")
                defer { list.map(rd_kafka_topic_partition_list_destroy) }
                return partitionListEntries(list).map(\.topicPartition).sorted()
            }
        case .standalone(let partitions):
            return partitions.assignment
        }
    }

    /// Commits, synchronously, the positions of every record readers have taken.
    public func commit() async throws {
        try requireGroup("committing")
        let client = client
        let poller = poller
        let group = groupID ?? ""
        try await BlockingCalls.run {
            if poller.storesPositions { poller.storeReadPositions() }
            let result = rd_kafka_commit(client.handle, nil, 0)
            // _NO_OFFSET: nothing consumed since the last commit, so nothing to do.
            guard result != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
            try client.check(result, "committing consumed offsets of group \(group)")
        }
    }

    /// Commits `message` as processed: the group resumes after it.
    public func commit(_ message: ConsumedMessage) async throws {
        try await commit([message.topicPartition: message.offset + 1])
    }

    /// Commits, synchronously, these offsets (each the next offset to read) for the group.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        try await commit(positions: offsets.mapValues { CommitPosition(offset: $0) })
    }

    /// Commits, synchronously, these positions (next offset to read and metadata text) for the group.
    public func commit(positions: [TopicPartition: CommitPosition]) async throws {
        try requireGroup("committing offsets")
        let client = client
        let group = groupID ?? ""
        try await BlockingCalls.run {
            let list = PartitionList(positions: positions)
            try client.check(rd_kafka_commit(client.handle, list.pointer, 0), "committing offsets of group \(group)")
            if let failure = firstPartitionError(partitionListEntries(list.pointer), doing: "committing group \(group) offset for") {
                throw client.explain(failure)
            }
        }
    }

    /// The group's committed offsets (next offset to read) for `partitions`; partitions without a
    /// commit are absent.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws -> [TopicPartition: Int64] {
        try await committedPositions(partitions, timeout: timeout).mapValues(\.offset)
    }

    /// The group's committed positions, with the metadata committed beside each offset; partitions
    /// without a commit are absent.
    public func committedPositions(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws -> [TopicPartition: CommitPosition] {
        try requireGroup("reading committed offsets")
        let client = client
        return try await BlockingCalls.run {
            let list = PartitionList(partitions)
            try client.check(rd_kafka_committed(client.handle, list.pointer, timeout.timeoutMilliseconds), "reading committed offsets")
            var positions: [TopicPartition: CommitPosition] = [:]
            for entry in partitionListEntries(list.pointer) where entry.offset >= 0 {
                positions[entry.topicPartition] = CommitPosition(offset: entry.offset, metadata: entry.metadata)
            }
            return positions
        }
    }

    /// Moves the read position of an assigned partition; buffered records of it are dropped.
    /// A seek only changes the local fetcher, so it waits without a timeout (librdkafka 2.0 also
    /// reads seek timeouts as microseconds, failing any seek slower than the number given).
    ///
    /// Returns the `ConsumedMessage.readGeneration` from which messages of `partition` follow the new
    /// position: a reader still holding one taken earlier (a lower generation) holds a stale message.
    @discardableResult
    public func seek(_ partition: TopicPartition, to offset: KafkaOffset) async throws -> UInt64 {
        let client = client
        let poller = poller
        return try await BlockingCalls.run {
            try poller.reposition(discarding: { $0 == partition }) { () throws(KafkaError) in
                let list = PartitionList([partition: offset.rawValue])
                try client.check(
                    rd_kafka_seek_partitions(client.handle, list.pointer, -1), "seeking \(partition) to \(offset)")
                if let failure = firstPartitionError(partitionListEntries(list.pointer), doing: "seeking to \(offset) in") {
                    throw client.explain(failure)
                }
            }
        }
    }

    /// Stops fetching these partitions (records already fetched are still delivered).
    public func pause(_ partitions: [TopicPartition]) throws {
        try changeFetching(partitions, "pausing") { rd_kafka_pause_partitions($0, $1) }
    }

    public func resume(_ partitions: [TopicPartition]) throws {
        try changeFetching(partitions, "resuming") { rd_kafka_resume_partitions($0, $1) }
    }

    /// Leaves the group (committing stored offsets when auto-commit is on), ends `messages` and
    /// `events`, and stops the poll thread. Records still buffered are dropped uncommitted.
    public func close() async throws {
        let teardown = teardown
        try await BlockingCalls.run { try teardown.run() }
    }

    private var teardown: ConsumerTeardown {
        ConsumerTeardown(client: client, poller: poller, pollThread: pollThread, open: open, groupID: groupID)
    }

    private static func validate(revocationTimeout: Duration, config: KafkaConfig) throws(KafkaError) {
        guard config.groupID != nil else {
            throw KafkaError(code: .invalidArgument, message: "only a group consumer has revocations to hold; set group.id",
                             context: "holding revocations")
        }
        let maxPollInterval = config["max.poll.interval.ms"].flatMap(Int64.init) ?? 300_000
        guard revocationTimeout > .zero, revocationTimeout.wholeMilliseconds < maxPollInterval else {
            throw KafkaError(code: .invalidArgument,
                             message: "the revocation timeout (\(revocationTimeout)) must be above zero and below max.poll.interval.ms (\(maxPollInterval) ms)",
                             context: "holding revocations")
        }
    }

    private func requireGroup(_ what: String) throws(KafkaError) {
        guard groupID == nil else { return }
        throw KafkaError(code: .invalidArgument, message: "this needs a consumer group; set group.id", context: what)
    }

    private func changeFetching(
        _ partitions: [TopicPartition], _ what: String,
        _ call: (OpaquePointer, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> rd_kafka_resp_err_t
    ) throws(KafkaError) {
        let list = PartitionList(partitions)
        try client.check(call(client.handle, list.pointer), "\(what) \(partitions)")
        if let failure = firstPartitionError(partitionListEntries(list.pointer), doing: what) { throw failure }
    }
}

/// Closing a consumer, once: end the sequences, stop the poll thread, then leave the group (librdkafka
/// serves the final rebalance inside rd_kafka_consumer_close) or stop the standalone partitions.
/// Blocks, so it runs on a dedicated thread.
private struct ConsumerTeardown: Sendable {
    let client: NativeClient
    let poller: ConsumerPoller
    let pollThread: PollThread
    let open: NIOLockedValueBox<Bool>
    let groupID: String?

    func run() throws(KafkaError) {
        let wasOpen = open.withLockedValue { open in
            defer { open = false }
            return open
        }
        guard wasOpen else { return }
        defer { poller.events.finish() }
        poller.buffer.finish()
        pollThread.stop()
        switch poller.source {
        case .standalone(let partitions):
            partitions.close()
        case .group:
            if poller.storesPositions { poller.storeReadPositions() }
            try client.check(rd_kafka_consumer_close(client.handle), "closing consumer of group \(groupID ?? "")")
        }
    }
}
