import LogAgent
import Logging

/// Builds `KafkaEventSink`s for the `kafka` sinks of an agent configuration; other sink types are
/// left to LogAgent's built-in ones. Pass `make(flushTimeout:metrics:logger:)` to `PipelineGraph(config:makeSink:)`.
public enum KafkaSinkFactory {
    /// `metrics`, when given, gets each sink's delivery counters.
    public static func make(flushTimeout: Duration, metrics: AgentMetrics? = nil, logger: Logger) -> SinkFactory {
        { component in
            guard case .kafka(let config) = component.settings else { return nil }
            var sinkLogger = logger
            sinkLogger[metadataKey: "component"] = "sinks.\(component.name)"
            do {
                return try KafkaEventSink(
                    name: component.name, config: config, flushTimeout: flushTimeout, counters: metrics?.sink(component.name), logger: sinkLogger)
            } catch {
                throw PipelineError(component: "sinks.\(component.name)", message: "cannot create the Kafka producer: \(error)")
            }
        }
    }
}
