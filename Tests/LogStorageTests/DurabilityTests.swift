import Dispatch
import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import LogStorage

/// Collects durability callbacks from any thread and lets the test wait for them.
final class CallbackCollector: @unchecked Sendable {
    // `condition`'s value is the number of callbacks received; its lock guards `errors`.
    private let condition = ConditionLock<Int>(value: 0)
    private var errors: [Error?] = []

    var callback: PartitionLog.DurabilityCallback {
        { [self] error in
            condition.lock()
            errors.append(error)
            condition.unlock(withValue: errors.count)
        }
    }

    var received: [Error?] {
        condition.lock()
        defer { condition.unlock() }
        return errors
    }

    /// Waits up to 10 s for `count` callbacks.
    func wait(for count: Int) -> [Error?] {
        guard condition.lock(whenValue: count, timeoutSeconds: 10) else { return received }
        defer { condition.unlock() }
        return errors
    }
}

@Suite struct DurabilityTests {
    @Test func concurrentWaitersShareOneFsync() throws {
        let directory = TemporaryDirectory()
        let counting = CountingSyncer()
        let flusher = try LogFlusher(syncer: counting.syncer)
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let collector = CallbackCollector()

        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        counting.hold()
        log.whenDurable(upTo: 1, collector.callback)
        counting.waitUntilBlocked()

        let appendErrors = NIOLockedValueBox<[Error]>([])
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            do {
                let info = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
                log.whenDurable(upTo: info.lastOffset + 1, collector.callback)
            } catch {
                appendErrors.withLockedValue { $0.append(error) }
            }
        }
        #expect(appendErrors.withLockedValue { $0.isEmpty })
        #expect(collector.received.isEmpty)
        #expect(counting.syncs == 1)

        counting.release()
        let results = collector.wait(for: 51)
        #expect(results.count == 51)
        #expect(results.allSatisfy { $0 == nil })
        #expect(counting.syncs == 2)
        try waitUntil { flusher.rounds == 2 }
        #expect(try log.durableOffset == 51)
    }

    @Test func requestsArrivingDuringARoundWaitOutTheGroupCommitIntervalAndShareTheNext() throws {
        let directory = TemporaryDirectory()
        let counting = CountingSyncer()
        let flusher = try LogFlusher(syncer: counting.syncer, minimumRoundInterval: .seconds(1))
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let collector = CallbackCollector()

        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        counting.hold()
        let start = NIODeadline.now()
        log.whenDurable(upTo: 1, collector.callback)
        counting.waitUntilBlocked()
        // A stream: these arrive while the first round's fsync runs.
        for _ in 1...10 {
            let info = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
            log.whenDurable(upTo: info.lastOffset + 1, collector.callback)
        }
        counting.release()
        #expect(collector.wait(for: 1).count >= 1)
        let results = collector.wait(for: 11)
        #expect(results.count == 11 && results.allSatisfy { $0 == nil })
        #expect(NIODeadline.now() - start >= .seconds(1), "the second round must wait out the interval")
        try waitUntil { flusher.rounds == 2 }
        #expect(counting.syncs == 2)
        #expect(try log.durableOffset == 11)
    }

    @Test func aLoneRequestIsSyncedAtOnceWhateverTheInterval() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher(minimumRoundInterval: .seconds(5))
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        let collector = CallbackCollector()
        // A producer that waits for each ack before sending the next: no round is ever delayed.
        let start = NIODeadline.now()
        for expected in 1...3 {
            let info = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
            log.whenDurable(upTo: info.lastOffset + 1, collector.callback)
            #expect(collector.wait(for: expected).count == expected)
        }
        #expect(NIODeadline.now() - start < .seconds(4))
        #expect(flusher.rounds == 3)
    }

    @Test func alreadyDurableDataAnswersAtOnceOnTheCallingThread() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch(records: 3).bytes, leaderEpoch: 0, now: 0)
        #expect(try log.durableOffset == 0)
        try log.flush()
        #expect(try log.durableOffset == 3)
        let collector = CallbackCollector()
        log.whenDurable(upTo: 3, collector.callback)
        #expect(collector.received.count == 1)
    }

    @Test func flushMessagesTriggersABackgroundFlush() throws {
        let directory = TemporaryDirectory()
        let counting = CountingSyncer()
        let flusher = try LogFlusher(syncer: counting.syncer)
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["flush.messages": "5"]), flusher: flusher)
        _ = try log.append(records: TestBatch(records: 4).bytes, leaderEpoch: 0, now: 0)
        _ = try log.append(records: TestBatch(records: 1).bytes, leaderEpoch: 0, now: 0)
        try waitUntil { try log.durableOffset == 5 }
        #expect(counting.syncs == 1)
    }

    @Test func flushMsBoundsHowLongDataStaysUnflushed() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, config: try configured(["flush.ms": "20"]), flusher: flusher)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        try waitUntil { try log.durableOffset == 1 }
    }

    @Test func failedFsyncTakesThePartitionOffline() throws {
        let directory = TemporaryDirectory()
        let failing = FileSyncer { _, path in throw LogError.io(operation: "fdatasync", path: path, errno: EIO) }
        let flusher = try LogFlusher(syncer: failing)
        defer { flusher.shutdown() }
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        let collector = CallbackCollector()
        log.whenDurable(upTo: 1, collector.callback)
        let results = collector.wait(for: 1)
        guard case .logOffline(let partition, let cause)? = results.first as? LogError else {
            Issue.record("expected logOffline, got \(results)")
            return
        }
        #expect(partition == events0)
        #expect(cause.contains("fdatasync failed on \(directory.partitionDirectory(events0))/00000000000000000000.log"))
        do {
            _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
            Issue.record("an offline partition must refuse appends")
        } catch let error as LogError {
            #expect(error.errorCode == .kafkaStorageError)
        }
    }

    @Test func waitersAfterCloseOrShutdownFailClearly() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        let log = try PartitionLog.openForTest(directory, flusher: flusher)
        _ = try log.append(records: TestBatch().bytes, leaderEpoch: 0, now: 0)
        flusher.shutdown()
        let collector = CallbackCollector()
        log.whenDurable(upTo: 1, collector.callback)
        #expect(collector.received.first.flatMap { $0 as? LogError } == .flusherStopped(events0))
        try log.close()
        log.whenDurable(upTo: 1, collector.callback)
        #expect(collector.received.last.flatMap { $0 as? LogError } == .closed(events0))
    }
}

/// Polls `condition` for up to 10 s.
func waitUntil(_ condition: () throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for _ in 0..<1000 {
        if try condition() { return }
        usleep(10_000)
    }
    Issue.record("condition not met within 10 s", sourceLocation: sourceLocation)
}
