import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

@Suite struct PipelineTests {
    func fileSource(in directory: TemporaryDirectory, maximumPendingBytes: Int = 16 << 20) throws -> FileSource {
        var config = FileTailerConfig(discovery: PathDiscovery(include: [directory.file("*.log")]),
                                      checkpointPath: directory.file("checkpoints.json"))
        config.rescanIntervalMs = 20
        config.maximumPendingBytes = maximumPendingBytes
        config.readChunkBytes = 4096
        return try FileSource(config: config, host: "test-host", pollIntervalMs: 5, logger: quietLogger)
    }

    func lines(_ range: Range<Int>) -> String { range.map { "level=info n=\($0)\n" }.joined() }

    func savedOffset(in directory: TemporaryDirectory) throws -> UInt64? {
        try CheckpointStore(path: directory.file("checkpoints.json")).load().first?.offset
    }

    /// Runs the pipeline until `until` returns true, then shuts it down and waits for it.
    func run(_ pipeline: Pipeline, until condition: @Sendable () async -> Bool) async throws {
        let task = Task { try await pipeline.run() }
        #expect(await condition())
        pipeline.shutdown()
        try await task.value
    }

    @Test func fileLinesFlowThroughTransformsAndCheckpointOnlyWhatWasAcknowledged() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append(lines(0..<100), to: directory.file("app.log"))
        let sink = InMemorySink()
        let graph = PipelineGraph(
            sources: [.init(name: "files", source: try fileSource(in: directory))],
            transforms: [
                .init(name: "kv", inputs: ["files"], transform: ParseTransform(name: "kv", parser: LogfmtParser())),
                .init(name: "odd", inputs: ["kv"], transform: FilterTransform(
                    mode: .dropIf, conditions: [FieldCondition(field: .field(["n"]), test: .matches(try LogRegex("[02468]$")))])),
            ],
            sinks: [.init(name: "memory", inputs: ["odd"], sink: sink)])
        try await run(Pipeline(graph: graph, logger: quietLogger)) { await sink.waitFor(count: 50) }
        #expect(sink.messages == (0..<100).filter { $0 % 2 == 1 }.map { "level=info n=\($0)" })
        #expect(sink.events.allSatisfy { $0.fields["level"] == "info" && $0.host == "test-host" })
        #expect(sink.isClosed)
        // Dropped events count as delivered: the checkpoint covers the whole file.
        #expect(try savedOffset(in: directory) == UInt64(lines(0..<100).utf8.count))

        // A restart reads only what was appended since.
        try TestFiles.append(lines(100..<103), to: directory.file("app.log"))
        let second = InMemorySink()
        let again = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "memory", inputs: ["files"], sink: second)])
        try await run(Pipeline(graph: again, logger: quietLogger)) { await second.waitFor(count: 3) }
        #expect(second.messages == ["level=info n=100", "level=info n=101", "level=info n=102"])
    }

    @Test func unacknowledgedEventsAreReadAgainAfterRestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append(lines(0..<20), to: directory.file("app.log"))
        // Acknowledges events 0–9 and 12, holds back 10, 11, 13–19.
        let partial = InMemorySink { $0 < 10 || $0 == 12 }
        let graph = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "memory", inputs: ["files"], sink: partial)])
        try await run(Pipeline(graph: graph, drainTimeoutMs: 100, logger: quietLogger)) { await partial.waitFor(count: 20) }
        #expect(try savedOffset(in: directory) == UInt64(lines(0..<10).utf8.count))

        let second = InMemorySink()
        let again = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "memory", inputs: ["files"], sink: second)])
        try await run(Pipeline(graph: again, logger: quietLogger)) { await second.waitFor(count: 10) }
        #expect(second.messages == (10..<20).map { "level=info n=\($0)" })
    }

    @Test func aBlockedSinkStopsReadingInsteadOfGrowingMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append(lines(0..<20_000), to: directory.file("app.log"))
        let sink = InMemorySink(gateOpen: false)
        let passed = NIOLockedValueBox(0)
        let graph = PipelineGraph(
            sources: [.init(name: "files", source: try fileSource(in: directory, maximumPendingBytes: 64 * 1024))],
            transforms: [.init(name: "count", inputs: ["files"], transform: CountingTransform(counter: passed))],
            sinks: [.init(name: "memory", inputs: ["count"], sink: sink, bufferBytes: 32 * 1024)])
        let pipeline = Pipeline(graph: graph, transformBufferBytes: 32 * 1024, sinkBatchSize: 100, logger: quietLogger)
        let task = Task { try await pipeline.run() }
        for _ in 0..<1000 where passed.withLockedValue({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(300))
        let whileBlocked = passed.withLockedValue { $0 }
        #expect(whileBlocked > 0)
        #expect(whileBlocked < 3000, "read \(whileBlocked) lines while the sink was blocked")
        sink.openGate()
        #expect(await sink.waitFor(count: 20_000))
        pipeline.shutdown()
        try await task.value
        #expect(sink.messages == (0..<20_000).map { "level=info n=\($0)" })
    }

    @Test func fanOutAcknowledgesOnlyWhenEverySinkDid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append(lines(0..<10), to: directory.file("app.log"))
        let eager = InMemorySink()
        let holding = InMemorySink { _ in false }
        let graph = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "eager", inputs: ["files"], sink: eager),
                                          .init(name: "holding", inputs: ["files"], sink: holding)])
        let pipeline = Pipeline(graph: graph, logger: quietLogger)
        let task = Task { try await pipeline.run() }
        #expect(await eager.waitFor(count: 10))
        #expect(await holding.waitFor(count: 10))
        holding.acknowledgeHeldBack()
        pipeline.shutdown()
        try await task.value
        #expect(try savedOffset(in: directory) == UInt64(lines(0..<10).utf8.count))

        // Now with the second sink never acknowledging: nothing is checkpointed.
        try TestFiles.append(lines(10..<12), to: directory.file("app.log"))
        let eagerAgain = InMemorySink()
        let neverAgain = InMemorySink { _ in false }
        let again = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "eager", inputs: ["files"], sink: eagerAgain),
                                          .init(name: "holding", inputs: ["files"], sink: neverAgain)])
        try await run(Pipeline(graph: again, drainTimeoutMs: 100, logger: quietLogger)) {
            await eagerAgain.waitFor(count: 2)
        }
        #expect(eagerAgain.messages == ["level=info n=10", "level=info n=11"])
        #expect(try savedOffset(in: directory) == UInt64(lines(0..<10).utf8.count))
    }

    @Test func aFailingSinkStopsThePipelineAndIsReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append(lines(0..<5), to: directory.file("app.log"))
        let graph = PipelineGraph(sources: [.init(name: "files", source: try fileSource(in: directory))],
                                  sinks: [.init(name: "kafka", inputs: ["files"], sink: InMemorySink(fails: true))])
        do {
            try await Pipeline(graph: graph, logger: quietLogger).run()
            Issue.record("the pipeline ended without reporting the failed sink")
        } catch let error as PipelineError {
            #expect(error.description == "kafka: broker unreachable")
        }
        #expect(try savedOffset(in: directory) == 0)
    }

    @Test func stdinRunsToEndOfInputAndThePipelineFinishesByItself() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let sink = InMemorySink()
        let graph = PipelineGraph(
            sources: [.init(name: "in", source: StdinSource(host: "h", fileDescriptor: descriptors[0]))],
            transforms: [.init(name: "json", inputs: ["in"], transform: ParseTransform(name: "json", parser: JSONFieldParser()))],
            sinks: [.init(name: "memory", inputs: ["json"], sink: sink)])
        let task = Task { try await Pipeline(graph: graph, logger: quietLogger).run() }
        let input = Array("{\"a\":1}\nnot json\r\n{\"b\":true}".utf8)
        #expect(input.withUnsafeBytes { write(descriptors[1], $0.baseAddress, $0.count) } == input.count)
        close(descriptors[1])
        try await task.value
        close(descriptors[0])
        #expect(sink.messages == ["{\"a\":1}", "not json", "{\"b\":true}"])
        #expect(sink.events.map(\.fields) == [["a": 1], [:], ["b": true]])
        #expect(sink.events.map(\.parseError) == [nil, "json: invalid JSON at byte 1: expected 'null'", nil])
        #expect(sink.events.allSatisfy { $0.source == "stdin" })
    }
}

/// Counts events passing through, for observing how far reading got.
struct CountingTransform: EventTransform {
    let counter: NIOLockedValueBox<Int>

    func apply(_ event: consuming LogEvent) -> LogEvent? {
        counter.withLockedValue { $0 += 1 }
        return event
    }
}
