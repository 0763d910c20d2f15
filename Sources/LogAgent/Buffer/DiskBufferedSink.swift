import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// An `EventSink` that puts a `DiskBuffer` in front of another sink (`buffer: {type: disk}`):
/// `write` appends events to the buffer, and a shipping task reads them back in order and writes
/// them to the inner sink, acknowledging a buffered record only when the inner sink acknowledged
/// its event.
///
/// Guarantees:
/// - At-least-once across crashes: an event's receipt (its source checkpoint) is acknowledged
///   once the event is fsynced into the buffer, never before. Fsync policy (group commit): the
///   buffer is synced when `syncBytes` were appended since the last sync, and otherwise at the
///   latest `syncIntervalMs` after an append; so a checkpoint lags its line by at most the sync
///   interval, and one fsync covers many batches.
/// - Bounded memory: the buffer grows on disk up to its `maxBytes` of unacknowledged events, then
///   `write` waits (backpressure reaches the sources); nothing is dropped. Only the inner sink's
///   own window (for Kafka, its producer queue) is held in memory.
/// - Order: events leave in the order they entered, so one key's events keep their order.
/// - Inner failures: when the inner sink fails (a Kafka delivery timed out during an outage), it
///   is closed, a new one is made, and shipping starts again at the first unacknowledged record;
///   events already delivered past it may be sent twice. The pipeline does not stop.
/// - Shutdown: `close` syncs and acknowledges what was written and stops shipping; what is still
///   in the buffer is shipped by the next run.
public final class DiskBufferedSink: EventSink {
    public let name: String
    public let buffer: DiskBuffer
    public let syncIntervalMs: Int64
    public let syncBytes: Int
    private let shipBatchSize: Int
    private let makeInner: @Sendable () throws -> any EventSink
    private let logger: Logger
    private let unsynced = NIOLockedValueBox(Unsynced())
    private let failure = NIOLockedValueBox<(any Error)?>(nil)
    private let recordsDurable = AsyncWakeup()
    private let spaceFreed = AsyncWakeup()
    private let stopping = ManagedAtomic(false)
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    /// Receipts of appended events waiting for the next fsync.
    private struct Unsynced {
        var receipts: [DeliveryReceipt] = []
        var lastSyncMs = WallClock.nowMilliseconds()
    }

    /// Ships to `inner`; `makeInner` makes a replacement after each inner failure.
    public init(
        name: String, buffer: DiskBuffer, syncIntervalMs: Int64 = 100, syncBytes: Int = 4 << 20, shipBatchSize: Int = 500,
        inner: any EventSink, makeInner: @escaping @Sendable () throws -> any EventSink,
        logger: Logger = Logger(label: "logport.agent.buffer")
    ) {
        self.name = name
        self.buffer = buffer
        self.syncIntervalMs = max(1, syncIntervalMs)
        self.syncBytes = max(1, syncBytes)
        self.shipBatchSize = max(1, shipBatchSize)
        self.makeInner = makeInner
        self.logger = logger
        let shipper = Task { await self.ship(startingWith: inner) }
        let syncer = Task { await self.syncPeriodically() }
        tasks.withLockedValue { $0 = [shipper, syncer] }
    }

    public func write(_ batch: EventBatch) async throws {
        try throwFailure()
        let payloads = batch.events.map { LogEventBinaryCodec.encode($0.event) }
        var warned = false
        while !(try await io { [buffer] in try buffer.append(payloads) }) {
            try Task.checkCancellation()
            if !warned {
                logger.warning("disk buffer is full (max_size reached); slowing the inputs until the sink catches up", metadata: [
                    "directory": "\(buffer.directory)", "max_size": "\(buffer.maxBytes)",
                ])
                warned = true
            }
            await spaceFreed.wait(timeout: .seconds(1))
        }
        let due = unsynced.withLockedValue { unsynced -> Bool in
            unsynced.receipts.append(contentsOf: batch.receipts)
            return WallClock.nowMilliseconds() - unsynced.lastSyncMs >= syncIntervalMs
        }
        if due || buffer.unsyncedBytes >= syncBytes { try await syncAndAcknowledge() }
    }

    public func close() async throws {
        stopping.store(true, ordering: .releasing)
        recordsDurable.signal()
        for task in tasks.withLockedValue({ $0 }) { task.cancel() }
        for task in tasks.withLockedValue({ $0 }) { await task.value }
        try await syncAndAcknowledge()
        try await io { [buffer] in try buffer.close() }
        try throwFailure()
    }

    /// Fsyncs what was appended, then acknowledges the receipts of the events it covers.
    private func syncAndAcknowledge() async throws {
        let receipts = unsynced.withLockedValue { unsynced in
            defer {
                unsynced.receipts = []
                unsynced.lastSyncMs = WallClock.nowMilliseconds()
            }
            return unsynced.receipts
        }
        do {
            try await io { [buffer] in try buffer.sync() }
        } catch {
            // After a failed fsync the kernel may have dropped the dirty pages: nothing appended
            // since the last good sync can be trusted, so the pipeline stops with the error.
            failure.withLockedValue { $0 = $0 ?? error }
            throw error
        }
        for receipt in receipts { receipt.acknowledge() }
        recordsDurable.signal()
    }

    private func syncPeriodically() async {
        while !stopping.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(syncIntervalMs))
            guard !Task.isCancelled else { return }
            let due = unsynced.withLockedValue { !$0.receipts.isEmpty && WallClock.nowMilliseconds() - $0.lastSyncMs >= syncIntervalMs }
            if due { try? await syncAndAcknowledge() }
            do {
                try await io { [buffer] in try buffer.saveLedger() }
            } catch {
                logger.warning("saving the disk buffer ledger failed; a restart may send some events twice", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Reads the buffer and writes to the inner sink until `close`.
    private func ship(startingWith first: any EventSink) async {
        var inner: (any EventSink)? = first
        while !stopping.load(ordering: .acquiring) {
            do {
                let sink = try inner ?? makeInner()
                inner = sink
                let records = try await io { [buffer, shipBatchSize] in try buffer.read(maxCount: shipBatchSize) }
                if records.isEmpty {
                    await recordsDurable.wait(timeout: .seconds(1))
                    // An idle inner sink reports a failed delivery only when written to.
                    if buffer.inFlightCount > 0 { try await sink.write(EventBatch([])) }
                    continue
                }
                try await sink.write(EventBatch(records.compactMap(event(for:))))
            } catch {
                if stopping.load(ordering: .acquiring) { break }
                logger.warning("sink failed; sending again from the disk buffer's first unacknowledged event", metadata: [
                    "error": "\(error)", "directory": "\(buffer.directory)",
                ])
                try? await inner?.close()
                inner = nil
                buffer.rewind()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        do {
            try await inner?.close()
        } catch {
            logger.warning("closing the sink behind the disk buffer failed; unacknowledged events are sent again after a restart",
                           metadata: ["error": "\(error)"])
        }
    }

    private func event(for record: BufferedRecord) -> PipelineEvent? {
        guard let event = LogEventBinaryCodec.decode(record.payload) else {
            logger.error("disk buffer record cannot be decoded (written by another version?); skipping it", metadata: [
                "directory": "\(buffer.directory)", "position": "\(record.ticket.position)",
            ])
            buffer.acknowledge(record.ticket)
            return nil
        }
        let ticket = record.ticket
        return PipelineEvent(event, receipt: DeliveryReceipt { [buffer, spaceFreed] in
            if buffer.acknowledge(ticket) { spaceFreed.signal() }
        })
    }

    private func throwFailure() throws {
        if let failure = failure.withLockedValue({ $0 }) { throw failure }
    }

    /// Runs blocking file work on NIO's blocking thread pool, off the cooperative pool.
    private func io<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
