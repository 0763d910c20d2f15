import Prometheus

/// A source that counts what it emits: events and bytes of message text.
struct MeteredSource: EventSource {
    let source: any EventSource
    let counters: AgentMetrics.SourceCounters

    func run(emitter: EventEmitter) async throws {
        try await source.run(emitter: EventEmitter { [counters] batch in
            counters.events.increment(by: Int64(batch.count))
            counters.bytes.increment(by: Int64(batch.messageBytes))
            return await emitter.emit(batch)
        })
    }

    func shutdown() async throws {
        try await source.shutdown()
    }
}

/// A transform that counts the events it marked with a parse error.
struct MeteredTransform: EventTransform {
    var transform: any EventTransform
    let parseErrors: Counter

    mutating func apply(_ event: consuming LogEvent) -> LogEvent? {
        let before = event.parseError
        let result = transform.apply(event)
        if let result, result.parseError != before { parseErrors.increment() }
        return result
    }
}

extension PipelineGraph {
    /// The same graph with every source and transform counted in `metrics`, and file sources
    /// registered for lag gauges. Sinks count themselves (see `AgentMetrics.sink(_:)`).
    public func metered(by metrics: AgentMetrics) -> PipelineGraph {
        for source in sources {
            if let file = source.source as? FileSource { metrics.watch(fileSource: file, name: source.name) }
        }
        return PipelineGraph(
            sources: sources.map { Source(name: $0.name, source: MeteredSource(source: $0.source, counters: metrics.source($0.name))) },
            transforms: transforms.map {
                Transform(name: $0.name, inputs: $0.inputs, transform: MeteredTransform(transform: $0.transform, parseErrors: metrics.parseErrors(transform: $0.name)))
            },
            sinks: sinks)
    }
}
