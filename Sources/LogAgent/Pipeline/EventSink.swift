/// Where events leave the agent (Kafka, the console, a test's memory). The pipeline calls `write`
/// from one task at a time, in order, and `close` once after the last write.
///
/// The contract that makes delivery at-least-once: a sink acknowledges an event's receipt only
/// after the event is durably delivered, and may acknowledge out of order (events keyed to
/// different Kafka partitions complete independently). A sink that gives up on an event must not
/// acknowledge it; the source then delivers it again after a restart.
public protocol EventSink: Sendable {
    /// Takes a batch (in source order) and the duty to acknowledge its receipts once delivered
    /// (`batch.acknowledgeAll()` for all of it, or per event of `batch.events`). May return
    /// before delivery completes; should suspend while the sink's own buffer is full, which is
    /// how backpressure reaches the sources. Throwing stops the pipeline.
    func write(_ batch: EventBatch) async throws

    /// No writes follow. Returns when every accepted event is delivered and acknowledged, or when
    /// the sink gives up on the rest (they stay unacknowledged). The pipeline bounds the wait with
    /// its drain timeout and cancels the task past it.
    func close() async throws
}

/// Where events enter the agent. `run` is called once and returns when the input ends (stdin
/// closed) or its task is cancelled (shutdown); `shutdown` is called after the pipeline has
/// drained, for state that must outlive the last acknowledgement (a file source's checkpoints).
public protocol EventSource: Sendable {
    func run(emitter: EventEmitter) async throws
    func shutdown() async throws
}

/// A source's handle on the pipeline.
public struct EventEmitter: Sendable {
    private let deliver: @Sendable (EventBatch) async -> Bool

    public init(_ deliver: @escaping @Sendable (EventBatch) async -> Bool) { self.deliver = deliver }

    /// Passes a batch downstream, suspending while the consumers' buffers are full. Returns false
    /// when it could not be passed on (the pipeline is stopping or a sink failed): it is not
    /// acknowledged and the source should stop reading.
    @discardableResult
    public func emit(_ batch: EventBatch) async -> Bool {
        guard !batch.isEmpty else { return true }
        return await deliver(batch)
    }

    /// `emit` for events made one by one.
    @discardableResult
    public func emit(_ events: [PipelineEvent]) async -> Bool {
        await emit(EventBatch(events))
    }
}

/// A step between sources and sinks: parse, enrich, filter, sample. Runs on one task, so it may
/// keep state (a sampling counter) in a value type.
public protocol EventTransform: Sendable {
    /// The transformed event, or nil to drop it. Dropping counts as delivered: the pipeline
    /// acknowledges a dropped event's receipt. The event is the transform's to change in place
    /// (the pipeline holds no other copy, so changing its fields does not copy them).
    mutating func apply(_ event: consuming LogEvent) -> LogEvent?
}
