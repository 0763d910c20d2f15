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
    /// `PipelineError` naming the component that cannot be built.
    public init(
        config: AgentConfig, makeSink: SinkFactory, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
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
                sources.append(Source(name: component.name, source: SyslogSource(config: settings, group: group)))
            case .stdin(let settings):
                sources.append(Source(name: component.name, source: StdinSource(config: settings, host: config.host)))
            }
        }
        let transforms = try config.transformOrder(file: "configuration").map {
            Transform(name: $0.name, inputs: $0.inputs, transform: $0.settings)
        }
        var sinks: [Sink] = []
        for component in config.sinks {
            let name = "sinks.\(component.name)"
            var bufferBytes = 8 << 20
            if case .kafka(let kafka) = component.settings {
                guard kafka.buffer.kind == .memory else {
                    throw PipelineError(component: name, message: "buffer type disk is not implemented yet; use memory")
                }
                bufferBytes = kafka.buffer.maximumBytes
            }
            let sink: any EventSink
            if let built = try makeSink(component) {
                sink = built
            } else if case .console(let console) = component.settings {
                sink = ConsoleSink(encoding: console.encoding)
            } else {
                throw PipelineError(component: name, message: "no sink implementation for type \(component.type) in this build")
            }
            sinks.append(Sink(name: component.name, inputs: component.inputs, sink: sink, bufferBytes: bufferBytes))
        }
        self.init(sources: sources, transforms: transforms, sinks: sinks)
    }
}
