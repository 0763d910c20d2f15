import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

/// A source that emits `count` events numbered from `first`, in batches of ten.
struct NumberedSource: EventSource {
    let name: String
    let first: Int
    let count: Int

    func run(emitter: EventEmitter) async throws {
        for start in stride(from: first, to: first + count, by: 10) {
            let batch = (start..<min(start + 10, first + count)).map { n in
                PipelineEvent(LogEvent(timestamp: Int64(n), host: "h", source: name, severity: n % 2 == 0 ? .error : .informational,
                                       message: "\(name) \(n)"))
            }
            guard await emitter.emit(batch) else { return }
        }
        try await Task.sleep(for: .seconds(3600))
    }

    func shutdown() async throws {}
}

@Suite struct PriorityLaneTests {
    @Test func aStuckNormalLaneDoesNotHoldBackTheHighLane() async throws {
        let config = try AgentConfig.parse(yaml: """
            data_dir: /nonexistent
            sources: {bulk: {type: stdin}, urgent: {type: stdin}}
            sinks:
              out:
                type: kafka
                inputs: [bulk, urgent]
                bootstrap_servers: b:9092
                topic: t
                high_priority: {inputs: [urgent]}
            """)
        let sinks = NIOLockedValueBox<[String: InMemorySink]>([:])
        let built = try PipelineGraph(config: config, makeSink: { component in
            let sink = InMemorySink(gateOpen: component.name == "out.high")
            sinks.withLockedValue { $0[component.name] = sink }
            return sink
        })
        #expect(built.sinks.map(\.name) == ["out.high", "out"])
        #expect(built.sinks.map(\.priority) == [.high, .normal])
        let graph = PipelineGraph(
            sources: [.init(name: "bulk", source: NumberedSource(name: "bulk", first: 0, count: 5000)),
                      .init(name: "urgent", source: NumberedSource(name: "urgent", first: 0, count: 50))],
            sinks: built.sinks.map { .init(name: $0.name, inputs: $0.inputs, sink: $0.sink, bufferBytes: 16 * 1024,
                                            priority: $0.priority, takes: $0.takes) })
        let pipeline = Pipeline(graph: graph, drainTimeoutMs: 200, sinkBatchSize: 20, logger: quietLogger)
        let task = Task { try await pipeline.run() }
        let high = try #require(sinks.withLockedValue { $0["out.high"] })
        let normal = try #require(sinks.withLockedValue { $0["out"] })
        #expect(await high.waitFor(count: 50))
        #expect(high.messages == (0..<50).map { "urgent \($0)" })
        #expect(normal.events.count < 5000, "the normal lane is blocked")
        normal.openGate()
        #expect(await normal.waitFor(count: 5000))
        #expect(normal.messages == (0..<5000).map { "bulk \($0)" })
        pipeline.shutdown()
        try await task.value
    }

    @Test func aConditionSplitsOneInputIntoLanesEachKeepingItsOrder() async throws {
        let config = try AgentConfig.parse(yaml: """
            sources: {in: {type: stdin}}
            sinks:
              out:
                type: kafka
                inputs: [in]
                bootstrap_servers: b:9092
                topic: t
                high_priority: {when: {severity_at_least: error}}
            """)
        let sinks = NIOLockedValueBox<[String: InMemorySink]>([:])
        let built = try PipelineGraph(config: config, makeSink: { component in
            let sink = InMemorySink()
            sinks.withLockedValue { $0[component.name] = sink }
            return sink
        })
        let graph = PipelineGraph(sources: [.init(name: "in", source: NumberedSource(name: "in", first: 0, count: 200))],
                                  sinks: built.sinks)
        let pipeline = Pipeline(graph: graph, drainTimeoutMs: 200, logger: quietLogger)
        let task = Task { try await pipeline.run() }
        let high = try #require(sinks.withLockedValue { $0["out.high"] })
        let normal = try #require(sinks.withLockedValue { $0["out"] })
        #expect(await high.waitFor(count: 100))
        #expect(await normal.waitFor(count: 100))
        #expect(high.messages == stride(from: 0, to: 200, by: 2).map { "in \($0)" })
        #expect(normal.messages == stride(from: 1, to: 200, by: 2).map { "in \($0)" })
        pipeline.shutdown()
        try await task.value
    }

    @Test func highPriorityConfigIsValidated() throws {
        #expect(throws: ConfigError.self) {
            try AgentConfig.parse(yaml: """
                sources: {in: {type: stdin}}
                sinks: {out: {type: kafka, inputs: [in], bootstrap_servers: "b:1", topic: t, high_priority: {inputs: [other]}}}
                """)
        }
        #expect(throws: ConfigError.self) {
            try AgentConfig.parse(yaml: """
                sources: {in: {type: stdin}}
                sinks: {out: {type: kafka, inputs: [in], bootstrap_servers: "b:1", topic: t, high_priority: {}}}
                """)
        }
    }
}
