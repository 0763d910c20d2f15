/// The components a `Pipeline` runs, already built: sources, transforms (each after its inputs)
/// and sinks, wired by name through `inputs`.
public struct PipelineGraph: Sendable {
    public struct Source: Sendable {
        public let name: String
        public let source: any EventSource
        public init(name: String, source: any EventSource) {
            self.name = name
            self.source = source
        }
    }

    public struct Transform: Sendable {
        public let name: String
        public let inputs: [String]
        public let transform: any EventTransform
        public init(name: String, inputs: [String], transform: any EventTransform) {
            self.name = name
            self.inputs = inputs
            self.transform = transform
        }
    }

    public struct Sink: Sendable {
        public let name: String
        public let inputs: [String]
        public let sink: any EventSink
        /// Bytes of events queued in front of the sink before its inputs are slowed down.
        public let bufferBytes: Int
        /// High-priority sinks are sent to before the others, so a full normal sink never delays
        /// an event on its way to a high one.
        public let priority: KafkaSinkConfig.Priority
        /// Which events this sink takes from an input (one lane of a sink split by
        /// `high_priority`); nil takes every event. An event no sink takes is acknowledged.
        public let takes: (@Sendable (_ event: LogEvent, _ input: String) -> Bool)?

        public init(
            name: String, inputs: [String], sink: any EventSink, bufferBytes: Int = 8 << 20,
            priority: KafkaSinkConfig.Priority = .normal, takes: (@Sendable (LogEvent, String) -> Bool)? = nil
        ) {
            self.name = name
            self.inputs = inputs
            self.sink = sink
            self.bufferBytes = bufferBytes
            self.priority = priority
            self.takes = takes
        }
    }

    public var sources: [Source]
    public var transforms: [Transform]
    public var sinks: [Sink]

    public init(sources: [Source], transforms: [Transform] = [], sinks: [Sink]) {
        self.sources = sources
        self.transforms = transforms
        self.sinks = sinks
    }
}

/// Why the pipeline could not be built or stopped with an error, naming the component.
public struct PipelineError: Error, CustomStringConvertible {
    public let component: String
    public let message: String

    public init(component: String, message: String) {
        self.component = component
        self.message = message
    }

    public var description: String { "\(component): \(message)" }
}

/// Where one component's output goes: the input channels of every component reading it, high
/// priority first. An event sent to several consumers carries split receipts, acknowledged to its
/// source only when every consumer has acknowledged it; an event no consumer takes (none reads
/// this output, or every lane declined it) is acknowledged at once (nobody wants it).
struct ComponentOutput: Sendable {
    struct Route: Sendable {
        let channel: BoundedChannel
        /// Whether the consumer takes an event; nil takes all.
        let takes: (@Sendable (LogEvent) -> Bool)?
    }

    let routes: [Route]

    var channels: [BoundedChannel] { routes.map(\.channel) }

    func send(_ batch: consuming EventBatch) async -> Bool {
        guard !batch.isEmpty else { return true }
        if routes.isEmpty {
            batch.acknowledgeAll()
            return true
        }
        if routes.allSatisfy({ $0.takes == nil }) {
            if routes.count == 1 { return await routes[0].channel.send(batch) }
            var delivered = true
            for (route, copy) in zip(routes, batch.split(into: routes.count)) {
                if !(await route.channel.send(copy)) { delivered = false }
            }
            return delivered
        }
        // A lane takes some events only: route event by event.
        var copies = Array(repeating: [PipelineEvent](), count: routes.count)
        for event in batch.events {
            let targets = routes.indices.filter { routes[$0].takes?(event.event) ?? true }
            if targets.count == 1 {
                copies[targets[0]].append(event)
                continue
            }
            for (target, receipt) in zip(targets, event.receipt.split(into: targets.count)) {
                copies[target].append(PipelineEvent(event.event, receipt: receipt))
            }
        }
        var delivered = true
        for (route, events) in zip(routes, copies) where !events.isEmpty {
            if !(await route.channel.send(EventBatch(events))) { delivered = false }
        }
        return delivered
    }

    func finish() {
        for channel in channels { channel.producerFinished() }
    }
}
