import Foundation
import Testing
@testable import LogAgent

/// The seam the `logport agent` command uses: load YAML, build the graph with a sink factory
/// (here an in-memory stand-in for the Kafka sink), run.
@Suite struct PipelineFromConfigTests {
    @Test func yamlConfigRunsEndToEndThroughTheSinkFactory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let accessLog = directory.file("access.log")
        try TestFiles.append(
            #"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 10 "-" "curl/8""# + "\n"
                + #"192.0.2.2 - - [10/Oct/2000:13:55:37 -0700] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe""# + "\n"
                + "not an access line\n",
            to: accessLog)
        let config = try AgentConfig.parse(yaml: """
            data_dir: \(directory.path)/state
            sources:
              nginx: {type: file, include: "${LOG_DIR}/*.log", poll_interval_ms: 5, rescan_interval_ms: 20}
            transforms:
              parse: {type: parse_access_log, inputs: [nginx]}
              no_probes: {type: filter, inputs: [parse], drop_if: {field: user_agent, equals: kube-probe}}
            sinks:
              kafka: {type: kafka, inputs: [no_probes], bootstrap_servers: "127.0.0.1:9092", topic: nginx, key_field: client}
            """, environment: ["LOG_DIR": directory.path], systemHost: "web-9")
        let sink = InMemorySink()
        let graph = try PipelineGraph(config: config, makeSink: { component in
            guard case .kafka(let kafka) = component.settings else { return nil }
            #expect(kafka.topic.description == "nginx")
            return sink
        }, logger: quietLogger)
        let pipeline = Pipeline(graph: graph, drainTimeoutMs: config.drainTimeoutMs, logger: quietLogger)
        let task = Task { try await pipeline.run() }
        #expect(await sink.waitFor(count: 2))
        pipeline.shutdown()
        try await task.value

        #expect(sink.events.map(\.fields["client"]) == ["192.0.2.1", nil])
        #expect(sink.events.map(\.host) == ["web-9", "web-9"])
        #expect(sink.events.last?.parseError == "parse: missing [time]")
        let checkpoints = try CheckpointStore(path: directory.path + "/state/checkpoints/nginx.json").load()
        #expect(checkpoints.map(\.offset) == [UInt64(try Data(contentsOf: URL(fileURLWithPath: accessLog)).count)])
    }

    @Test func sinksWithoutAnImplementationAreRefusedByName() async throws {
        let kafka = try AgentConfig.parse(yaml: """
            sources: {in: {type: stdin}}
            sinks: {out: {type: kafka, inputs: [in], bootstrap_servers: "b:9092", topic: t}}
            """)
        #expect(throws: PipelineError.self) { try PipelineGraph(config: kafka, makeSink: { _ in nil }) }
        do {
            _ = try PipelineGraph(config: kafka, makeSink: { _ in nil })
        } catch let error as PipelineError {
            #expect(error.description == "sinks.out: no sink implementation for type kafka in this build")
        }
        let dataDirectory = try TemporaryDirectory()
        defer { dataDirectory.remove() }
        let disk = try AgentConfig.parse(yaml: """
            data_dir: \(dataDirectory.path)
            sources: {in: {type: stdin}}
            sinks: {out: {type: kafka, inputs: [in], bootstrap_servers: "b:9092", topic: t, buffer: {type: disk, max_size: 1048576}}}
            """)
        let buffered = try #require(try PipelineGraph(config: disk, makeSink: { _ in ConsoleSink() }).sinks.first?.sink as? DiskBufferedSink)
        #expect(buffered.buffer.directory == dataDirectory.path + "/buffers/out")
        #expect(buffered.buffer.maxBytes == 1_048_576)
        try await buffered.close()
        let console = try AgentConfig.parse(yaml: "sources: {in: {type: stdin}}\nsinks: {out: {type: console, inputs: [in]}}\n")
        #expect(try PipelineGraph(config: console, makeSink: { _ in nil }).sinks.first?.sink is ConsoleSink)
    }
}
