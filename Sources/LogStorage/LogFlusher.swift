import Atomics
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Group commit for every partition of a `LogManager`: one background thread fsyncs the partitions
/// that asked for it, then completes their durability waiters.
///
/// Partitions ask when a producer waits for durability (`PartitionLog.whenDurable`), when
/// `flush.messages` messages are unflushed, when a message has been unflushed for `flush.ms`, and
/// when a segment rolls. Requests arriving while a round of fsyncs runs are collected for the next
/// round, so any number of producers waiting on one partition share one fsync of its segment. The
/// fsyncs run outside the partition locks: appends and reads proceed while the disk works.
///
/// While requests keep arriving during rounds, rounds start at most once per
/// `minimumRoundInterval` (`log.flush.group.commit.interval.us`): under a steady stream of small
/// acks=all requests the next round would otherwise start the moment the last one ends, one fsync
/// per request, and each fsync costs CPU (on the 2-core VM of `benchmarks/broker_perf.py`, ~60 µs
/// of it per ~160 µs fdatasync; a tenth of a core at 10,000 single-record requests/s) that the
/// event loops and consumers need. Waiting out the interval bounds the fsync rate and groups more
/// producers per fsync, for at most that much more ack latency. A request that finds no round
/// running and none arrived during the last one (a quiet spell, a producer that waits for each
/// ack) is synced at once.
///
/// The trade-off (see also `LogManager.Options.acksAllWaitsForFsync`): Kafka never fsyncs on the
/// produce path and relies on replication; with one node, an acks=all producer that waits for the
/// next round survives power loss at the price of one fsync latency, shared by every concurrent
/// producer. acks=0/1 producers never wait; their data reaches disk with the next round anyone
/// triggers, a background flush (`flush.messages`/`flush.ms`, off by default as in Kafka), a roll,
/// a clean close, or the kernel's writeback, and survives `kill -9` in any case.
public final class LogFlusher: @unchecked Sendable {
    public let syncer: FileSyncer
    /// The least time from the start of one round to the start of the next, when requests arrived
    /// during the first.
    public let minimumRoundInterval: TimeAmount
    private let logger: Logger
    /// Set once in init, before any other thread can see `self`.
    private var thread: BackgroundThread?
    private let roundsCompleted = ManagedAtomic<Int>(0)
    /// Its value says whether work is waiting; its lock guards the three properties below, which is
    /// what makes the class Sendable.
    private let condition = ConditionLock<Bool>(value: false)
    private var pending: [ObjectIdentifier: PartitionLog] = [:]
    /// At most one deadline per partition, the earliest: any flush covers everything appended before it.
    private var deadlines: [ObjectIdentifier: (deadline: NIODeadline, log: PartitionLog)] = [:]
    private var state = RunState.running

    private enum RunState {
        case running, stopping, stopped
    }

    /// Starts the flusher's thread; throws when the system refuses a new thread.
    public init(
        syncer: FileSyncer = .durable, minimumRoundInterval: TimeAmount = .zero,
        logger: Logger = Logger(label: "logport.storage.flusher")
    ) throws {
        self.syncer = syncer
        self.minimumRoundInterval = max(.zero, minimumRoundInterval)
        self.logger = logger
        self.thread = try BackgroundThread(name: "log flusher") { [self] in run() }
    }

    /// Rounds of flushes done so far (each round fsyncs every partition that asked since the last).
    public var rounds: Int { roundsCompleted.load(ordering: .relaxed) }

    /// Flushes whatever is pending, then stops the thread. Later requests are refused.
    public func shutdown() {
        condition.lock()
        let wasRunning = state == .running
        if wasRunning { state = .stopping }
        condition.unlock(withValue: true)
        if wasRunning { thread?.join() }
    }

    /// Asks for `log` to be flushed in the next round; false once the flusher has stopped.
    func requestFlush(_ log: PartitionLog) -> Bool {
        enqueue { $0.pending[ObjectIdentifier(log)] = log }
    }

    /// Asks for `log` to be flushed after `milliseconds` (for `flush.ms`).
    func requestFlush(_ log: PartitionLog, afterMilliseconds milliseconds: Int64) -> Bool {
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        return enqueue { flusher in
            let key = ObjectIdentifier(log)
            if flusher.deadlines[key].map({ $0.deadline > deadline }) ?? true { flusher.deadlines[key] = (deadline, log) }
        }
    }

    private func enqueue(_ change: (LogFlusher) -> Void) -> Bool {
        condition.lock()
        guard state != .stopped else {
            condition.unlock()
            return false
        }
        change(self)
        condition.unlock(withValue: true)
        return true
    }

    private func requestsArrivedDuringRound() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return !pending.isEmpty
    }

    private func run() {
        while true {
            condition.lock()
            let wait: Double
            if state != .running {
                wait = 0
            } else if let next = deadlines.values.map(\.deadline).min() {
                wait = max(0, Double((next - .now()).nanoseconds) / 1e9)
            } else {
                wait = 3600
            }
            condition.unlock()
            if !condition.lock(whenValue: true, timeoutSeconds: wait) { condition.lock() }

            let now = NIODeadline.now()
            var batch = pending
            pending = [:]
            let stopping = state != .running
            for (key, entry) in deadlines where stopping || entry.deadline <= now {
                batch[key] = entry.log
                deadlines[key] = nil
            }
            if stopping && batch.isEmpty { state = .stopped }
            condition.unlock(withValue: false)

            if batch.isEmpty {
                if stopping { return }
                continue
            }
            let roundStart = NIODeadline.now()
            for log in batch.values {
                if let error = log.flushAndCompleteWaiters() {
                    logger.error("flush failed; partition taken offline", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
                }
            }
            roundsCompleted.wrappingIncrement(ordering: .relaxed)
            // Requests that arrived during the round show a stream worth grouping: wait out the
            // interval so more join the next round. None did: the next request may well be alone
            // (a producer waiting for each ack before sending again), and waiting would only
            // slow it down, so it starts a round at once. A plain sleep: nothing but shutdown could
            // cut it short, and that only waits for one interval more.
            let rest = (roundStart + minimumRoundInterval - .now()).nanoseconds
            if rest > 0 && !stopping && requestsArrivedDuringRound() {
                var duration = timespec(tv_sec: Int(rest / 1_000_000_000), tv_nsec: Int(rest % 1_000_000_000))
                var remaining = timespec()
                while nanosleep(&duration, &remaining) == -1 && errno == EINTR { duration = remaining }
            }
        }
    }
}
