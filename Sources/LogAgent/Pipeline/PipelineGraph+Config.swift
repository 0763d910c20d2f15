import Foundation
import Logging
import NIOCore
import NIOPosix

/// Builds the sink for a sink component; nil means "not a type I build", leaving it to the
/// built-in sinks (console). The `logport agent` command passes one that builds Kafka sinks.
public typealias SinkFactory = @Sendable (ComponentConfig<SinkSettings>) throws -> (any EventSink)?

extension PipelineGraph {
    /// Builds every component of a loaded configuration: creates the checkpoint directory, opens
    /// file sources (loading their checkpoints), and asks `makeSink` for each sink. Fails with a
    /// `PipelineError` naming the component that cannot be built. Syslog sources run on `group`,
    /// NIO's shared one when nil (started only then: an agent without syslog runs no event loop).
    public init(
        config: AgentConfig, makeSink: @escaping SinkFactory, group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "logport.agent")
    ) throws {
        var sources: [Source] = []
        for component in config.sources {
            let name = "sources.\(component.name)"
            switch component.settings {
            case .file(let settings):
                let directory = (settings.tailer.checkpointPath as NSString).deletingLastPathComponent
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    var fileLogger = logger
                    fileLogger[metadataKey: "component"] = "\(name)"
                    sources.append(Source(name: component.name, source: try FileSource(
                        config: settings.tailer, host: config.host, pollIntervalMs: settings.pollIntervalMs,
                        checkpointIntervalMs: settings.checkpointIntervalMs, logger: fileLogger)))
                } catch {
                    throw PipelineError(component: name, message: "cannot open checkpoints in \(directory): \(error)")
                }
            case .syslog(let settings):
                sources.append(Source(name: component.name, source: SyslogSource(config: settings, group: group ?? MultiThreadedEventLoopGroup.singleton)))
            case .stdin(let settings):
                sources.append(Source(name: component.name, source: StdinSource(config: settings, host: config.host)))
            }
        }
        let transforms = try config.transformOrder(file: "configuration").map {
            Transform(name: $0.name, inputs: $0.inputs, transform: $0.settings)
        }
        var sinks: [Sink] = []
        for component in config.sinks {
            guard case .kafka(let kafka) = component.settings else {
                sinks.append(Sink(name: component.name, inputs: component.inputs, sink: try Self.buildSink(component, with: makeSink)))
                continue
            }
            for lane in Self.lanes(of: kafka, named: component.name) {
                let laneComponent = ComponentConfig(name: lane.name, type: component.type, inputs: component.inputs,
                                                    line: component.line, settings: SinkSettings.kafka(lane.settings))
                let sink: any EventSink
                var bufferBytes = lane.settings.buffer.maximumBytes
                switch lane.settings.buffer.kind {
                case .memory:
                    sink = try Self.buildSink(laneComponent, with: makeSink)
                case .disk:
                    sink = try Self.diskBufferedSink(laneComponent, dataDirectory: config.dataDirectory, makeSink: makeSink, logger: logger)
                    bufferBytes = Self.diskBufferInnerWindowBytes
                }
                sinks.append(Sink(name: lane.name, inputs: component.inputs, sink: sink, bufferBytes: bufferBytes,
                                  priority: lane.settings.priority, takes: lane.takes))
            }
        }
        self.init(sources: sources, transforms: transforms, sinks: sinks)
    }

    /// Events a disk-buffered sink holds in memory (its input channel, and the inner sink's own
    /// queue, e.g. librdkafka's): the rest waits on disk.
    static let diskBufferInnerWindowBytes = 8 << 20

    private static func buildSink(_ component: ComponentConfig<SinkSettings>, with makeSink: SinkFactory) throws -> any EventSink {
        if let built = try makeSink(component) { return built }
        if case .console(let console) = component.settings { return ConsoleSink(encoding: console.encoding) }
        throw PipelineError(component: "sinks.\(component.name)", message: "no sink implementation for type \(component.type) in this build")
    }

    /// One lane of a Kafka sink: the whole sink, or with `high_priority` its normal lane (the
    /// sink's name) and its high lane (`NAME.high`, a name no configured component can take).
    private struct Lane {
        let name: String
        let settings: KafkaSinkConfig
        let takes: (@Sendable (LogEvent, String) -> Bool)?
    }

    private static func lanes(of kafka: KafkaSinkConfig, named name: String) -> [Lane] {
        guard let high = kafka.highPriority else { return [Lane(name: name, settings: kafka, takes: nil)] }
        var normal = kafka
        normal.highPriority = nil
        var highSettings = normal
        highSettings.priority = .high
        return [
            Lane(name: name + ".high", settings: highSettings, takes: { high.takes($0, from: $1) }),
            Lane(name: name, settings: normal, takes: { !high.takes($0, from: $1) }),
        ]
    }

    /// The sink behind a `DiskBufferedSink` in `DATA_DIR/buffers/NAME`, itself with a small
    /// memory buffer (`diskBufferInnerWindowBytes`).
    private static func diskBufferedSink(
        _ component: ComponentConfig<SinkSettings>, dataDirectory: String, makeSink: @escaping SinkFactory, logger: Logger
    ) throws -> any EventSink {
        guard case .kafka(var inner) = component.settings else { return try buildSink(component, with: makeSink) }
        let disk = inner.buffer
        inner.buffer = KafkaSinkConfig.Buffer(kind: .memory, maximumBytes: diskBufferInnerWindowBytes)
        let innerComponent = ComponentConfig(name: component.name, type: component.type, inputs: component.inputs,
                                             line: component.line, settings: SinkSettings.kafka(inner))
        let directory = dataDirectory + "/buffers/" + component.name
        var bufferLogger = logger
        bufferLogger[metadataKey: "component"] = "sinks.\(component.name)"
        let buffer: DiskBuffer
        do {
            buffer = try DiskBuffer(directory: directory, maxBytes: disk.maximumBytes, logger: bufferLogger)
        } catch {
            throw PipelineError(component: "sinks.\(component.name)", message: "cannot open the disk buffer: \(error)")
        }
        return DiskBufferedSink(
            name: component.name, buffer: buffer, syncIntervalMs: disk.syncIntervalMs,
            inner: try buildSink(innerComponent, with: makeSink), makeInner: { try buildSink(innerComponent, with: makeSink) },
            logger: bufferLogger)
    }
}
