import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

@Suite struct DiskBufferedSinkTests {
    func events(_ range: Range<Int>, acknowledged: NIOLockedValueBox<[Int]>) -> EventBatch {
        EventBatch(range.map { n in
            PipelineEvent(LogEvent(timestamp: Int64(n), host: "h", source: "test", message: "event \(n)", fields: ["n": .int(Int64(n))]),
                          receipt: DeliveryReceipt { acknowledged.withLockedValue { $0.append(n) } })
        })
    }

    func makeSink(_ directory: TemporaryDirectory, inner: InMemorySink, maxBytes: Int = 1 << 20,
                  replacements: NIOLockedValueBox<[InMemorySink]> = NIOLockedValueBox([])) throws -> DiskBufferedSink {
        let buffer = try DiskBuffer(directory: directory.path, maxBytes: maxBytes, segmentBytes: 4096, logger: quietLogger)
        return DiskBufferedSink(name: "test", buffer: buffer, syncIntervalMs: 20, shipBatchSize: 50, inner: inner, makeInner: {
            let sink = InMemorySink()
            replacements.withLockedValue { $0.append(sink) }
            return sink
        }, logger: quietLogger)
    }

    func waitUntil(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    @Test func sourcesAreAcknowledgedOnceDurableAndTheInnerSinkGetsEverythingInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inner = InMemorySink(gateOpen: false)
        let sink = try makeSink(directory, inner: inner)
        let acknowledged = NIOLockedValueBox<[Int]>([])
        for start in stride(from: 0, to: 1000, by: 100) { try await sink.write(events(start..<(start + 100), acknowledged: acknowledged)) }
        // The inner sink is blocked, yet the sources are acknowledged: the events are on disk.
        #expect(await waitUntil { acknowledged.withLockedValue { $0.count } == 1000 })
        #expect(inner.events.count < 1000)
        inner.openGate()
        #expect(await inner.waitFor(count: 1000))
        #expect(inner.messages == (0..<1000).map { "event \($0)" })
        #expect(await waitUntil { sink.buffer.unacknowledgedBytes == 0 })
        try await sink.close()
    }

    @Test func whatTheInnerSinkDidNotAcknowledgeIsShippedAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let holding = InMemorySink { $0 < 60 }
        let first = try makeSink(directory, inner: holding)
        let acknowledged = NIOLockedValueBox<[Int]>([])
        try await first.write(events(0..<100, acknowledged: acknowledged))
        #expect(await holding.waitFor(count: 100))
        try await first.close()
        #expect(acknowledged.withLockedValue { $0.sorted() } == Array(0..<100))

        let next = InMemorySink()
        let second = try makeSink(directory, inner: next)
        #expect(await next.waitFor(count: 40))
        try await Task.sleep(for: .milliseconds(100))
        #expect(next.messages == (60..<100).map { "event \($0)" })
        try await second.close()
    }

    @Test func aFailingInnerSinkIsReplacedAndShippingResumesAtTheFirstUnacknowledgedEvent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let replacements = NIOLockedValueBox<[InMemorySink]>([])
        let sink = try makeSink(directory, inner: InMemorySink(fails: true), replacements: replacements)
        try await sink.write(events(0..<120, acknowledged: NIOLockedValueBox([])))
        #expect(await waitUntil { replacements.withLockedValue { $0.first?.events.count ?? 0 } >= 120 })
        #expect(replacements.withLockedValue { $0.first?.messages } == (0..<120).map { "event \($0)" })
        try await sink.close()
    }

    @Test func aFullDiskBufferMakesWriteWaitInsteadOfDropping() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inner = InMemorySink(gateOpen: false)
        let sink = try makeSink(directory, inner: inner, maxBytes: 16 * 1024)
        let acknowledged = NIOLockedValueBox<[Int]>([])
        let writer = Task {
            for start in stride(from: 0, to: 2000, by: 50) { try await sink.write(events(start..<(start + 50), acknowledged: acknowledged)) }
        }
        #expect(await waitUntil { acknowledged.withLockedValue { $0.count } > 0 })
        try await Task.sleep(for: .milliseconds(500))
        let whileBlocked = acknowledged.withLockedValue { $0.count }
        #expect(whileBlocked < 2000, "\(whileBlocked) events accepted while the sink was blocked")
        #expect(sink.buffer.unacknowledgedBytes <= 16 * 1024 + 8 * 1024)
        inner.openGate()
        try await writer.value
        #expect(await inner.waitFor(count: 2000))
        #expect(inner.messages == (0..<2000).map { "event \($0)" })
        try await sink.close()
    }
}
