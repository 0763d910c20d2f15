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
        public init(name: String, inputs: [String], sink: any EventSink, bufferBytes: Int = 8 << 20) {
            self.name = name
            self.inputs = inputs
            self.sink = sink
            self.bufferBytes = bufferBytes
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

/// Where one component's output goes: the input channels of every component reading it. An event
/// sent to several consumers carries split receipts, acknowledged to its source only when every
/// consumer has acknowledged it; with no consumer at all it is acknowledged at once (nobody
/// wants it).
struct ComponentOutput: Sendable {
    let channels: [BoundedChannel]

    func send(_ events: [PipelineEvent]) async -> Bool {
        switch channels.count {
        case 0:
            for event in events { event.receipt.acknowledge() }
            return true
        case 1:
            return await channels[0].send(events)
        default:
            var copies = Array(repeating: [PipelineEvent](), count: channels.count)
            for event in events {
                for (index, receipt) in event.receipt.split(into: channels.count).enumerated() {
                    copies[index].append(PipelineEvent(event.event, receipt: receipt))
                }
            }
            var delivered = true
            for (channel, batch) in zip(channels, copies) where !(await channel.send(batch)) { delivered = false }
            return delivered
        }
    }

    func finish() {
        for channel in channels { channel.producerFinished() }
    }
}
