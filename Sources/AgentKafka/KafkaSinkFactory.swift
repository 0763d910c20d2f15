import LogAgent
import Logging

/// Builds `KafkaEventSink`s for the `kafka` sinks of an agent configuration; other sink types are
/// left to LogAgent's built-in ones. Pass `make(flushTimeout:logger:)` to `PipelineGraph(config:makeSink:)`.
public enum KafkaSinkFactory {
    public static func make(flushTimeout: Duration, logger: Logger) -> SinkFactory {
        { component in
            guard case .kafka(let config) = component.settings else { return nil }
            var sinkLogger = logger
            sinkLogger[metadataKey: "component"] = "sinks.\(component.name)"
            do {
                return try KafkaEventSink(name: component.name, config: config, flushTimeout: flushTimeout, logger: sinkLogger)
            } catch {
                throw PipelineError(component: "sinks.\(component.name)", message: "cannot create the Kafka producer: \(error)")
            }
        }
    }
}
