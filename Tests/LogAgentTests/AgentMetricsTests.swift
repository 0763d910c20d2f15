import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

@Suite struct AgentMetricsTests {
    private func samples(_ text: String, _ name: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(name + "{") }.sorted()
    }

    @Test func apiListenIsReadAndOffWhenAbsent() throws {
        let base = "sources:\n  in: {type: stdin}\nsinks:\n  out: {type: console, inputs: [in]}\n"
        #expect(try AgentConfig.parse(yaml: base).apiListen == nil)
        let listen = try #require(try AgentConfig.parse(yaml: base + "api:\n  listen: 127.0.0.1:8686\n").apiListen)
        #expect(listen.host == "127.0.0.1" && listen.port == 8686)
        #expect(throws: ConfigError.self) { try AgentConfig.parse(yaml: base + "api:\n  listen: 8686\n") }
        #expect(throws: ConfigError.self) { try AgentConfig.parse(yaml: base + "api:\n  address: 127.0.0.1:8686\n") }
    }

    @Test func sourcesCountEventsAndBytesAndTransformsCountParseErrors() async throws {
        let metrics = AgentMetrics()
        let source = MeteredSource(source: FixedSource(messages: [#"{"a":1}"#, "héllo", "x"]), counters: metrics.source("app"))
        let seen = ReceivedEvents()
        try await source.run(emitter: EventEmitter { batch in
            seen.add(batch.events.map(\.event))
            return true
        })
        var transform = MeteredTransform(
            transform: ParseTransform(name: "json", parser: JSONFieldParser()), parseErrors: metrics.parseErrors(transform: "json"))
        for event in seen.events { _ = transform.apply(event) }

        let text = await metrics.exposition()
        #expect(samples(text, "logport_agent_source_events_total") == [#"logport_agent_source_events_total{source="app"} 3"#])
        #expect(samples(text, "logport_agent_source_bytes_total") == [#"logport_agent_source_bytes_total{source="app"} 14"#])
        #expect(samples(text, "logport_agent_parse_errors_total") == [#"logport_agent_parse_errors_total{transform="json"} 2"#])
    }

    @Test func fileGaugesShowUnreadAndPendingBytesAndForgetClosedFiles() {
        let metrics = AgentMetrics()
        metrics.publishFiles([("logs", FileSourceProgress(
            files: [.init(path: "/var/log/a.log", unreadBytes: 120), .init(path: "/var/log/b.log", unreadBytes: 0)], pendingBytes: 42))])
        var text = metrics.registry.emitToString()
        #expect(samples(text, "logport_agent_file_unread_bytes") == [
            #"logport_agent_file_unread_bytes{source="logs",path="/var/log/a.log"} 120.0"#,
            #"logport_agent_file_unread_bytes{source="logs",path="/var/log/b.log"} 0.0"#,
        ])
        #expect(samples(text, "logport_agent_file_pending_bytes") == [#"logport_agent_file_pending_bytes{source="logs"} 42.0"#])
        metrics.publishFiles([("logs", FileSourceProgress(files: [.init(path: "/var/log/b.log", unreadBytes: 7)], pendingBytes: 0))])
        text = metrics.registry.emitToString()
        #expect(samples(text, "logport_agent_file_unread_bytes") == [#"logport_agent_file_unread_bytes{source="logs",path="/var/log/b.log"} 7.0"#])
    }

    @Test func aFileSourceReportsHowFarItLagsBehindItsFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("app.log")
        try TestFiles.append("one\ntwo\n", to: path)
        var config = FileTailerConfig(discovery: PathDiscovery(include: [directory.file("*.log")]), checkpointPath: directory.file("checkpoints.json"))
        config.rescanIntervalMs = 0
        let source = try FileSource(config: config, host: "h", pollIntervalMs: 5, logger: quietLogger)
        let received = ReceivedEvents()
        // The emitter keeps the first batch and then holds the source, so nothing more is read.
        let running = Task {
            try await source.run(emitter: EventEmitter { batch in
                received.add(batch.events.map(\.event))
                try? await Task.sleep(for: .seconds(600))
                return false
            })
        }
        defer { running.cancel() }
        while received.events.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try TestFiles.append("three\n", to: path)
        #expect(source.progress() == FileSourceProgress(files: [.init(path: path, unreadBytes: 6)], pendingBytes: 8))
    }
}

/// Emits fixed messages once, then ends (as stdin at its end).
private struct FixedSource: EventSource {
    let messages: [String]

    func run(emitter: EventEmitter) async throws {
        await emitter.emit(messages.map { PipelineEvent(LogEvent(timestamp: 0, host: "h", source: "test", message: $0)) })
    }

    func shutdown() async throws {}
}

private final class ReceivedEvents: Sendable {
    private let box = NIOLockedValueBox([LogEvent]())
    func add(_ events: [LogEvent]) { box.withLockedValue { $0 += events } }
    var events: [LogEvent] { box.withLockedValue { $0 } }
}
