import LogStorage
import Logging
import NIOConcurrencyHelpers

/// The broker's append threads. A partition always appends on the same thread, so its appends run
/// in the order they were submitted (the order requests arrived in) while the submitting event loop
/// goes on at once. Each thread works in rounds: it runs every job queued, then fsyncs once each
/// partition whose producers wait for durability (group commit) and completes them.
///
/// Why not the storage thread pool: its threads take jobs in any order, so a connection had to wait
/// for one append to finish before submitting the next, and a flusher thread did the fsync: an
/// acks=all produce cost four thread hand-offs (loop → pool → loop → flusher → loop) where this
/// costs two (loop → writer → loop). On a small machine, hand-offs cost more than the bytes.
///
/// The price: while a writer fsyncs, appends to its partitions wait for it (one fsync, ~0.1 ms on
/// an SSD). Background flushes (`flush.ms`, `flush.messages`, rolls) stay on the `LogFlusher`.
final class PartitionWriters: Sendable {
    /// Appends one partition's records; returns the log to sync when a producer waits for durability
    /// (after registering with `whenSynced`), nil otherwise.
    typealias Job = @Sendable () -> (any PartitionStorage)?

    private final class Writer: Sendable {
        private struct Queue {
            var jobs: [Job] = []
            var running = true
        }

        /// Its value says whether jobs are waiting (or the writer must stop).
        private let queue = ConditionLock<Bool>(value: false)
        /// Guarded by `queue`'s lock.
        nonisolated(unsafe) private var state = Queue()
        private let logger: Logger

        init(logger: Logger) {
            self.logger = logger
        }

        func submit(_ job: @escaping Job) -> Bool {
            queue.lock()
            guard state.running else {
                queue.unlock()
                return false
            }
            state.jobs.append(job)
            queue.unlock(withValue: true)
            return true
        }

        func stop() {
            queue.lock()
            state.running = false
            queue.unlock(withValue: true)
        }

        func run() {
            var round: [Job] = []
            while true {
                queue.lock(whenValue: true)
                swap(&round, &state.jobs)
                let stopping = !state.running
                queue.unlock(withValue: stopping)
                if round.isEmpty && stopping { return }
                var toSync: [ObjectIdentifier: any PartitionStorage] = [:]
                for job in round {
                    if let log = job() { toSync[ObjectIdentifier(log)] = log }
                }
                round.removeAll(keepingCapacity: true)
                for log in toSync.values {
                    if let error = log.syncWaiters() {
                        logger.error("fsync failed; partition taken offline, restart the broker to recover it from disk",
                                     metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }

    private let writers: [Writer]
    private let threads: [BackgroundThread]

    /// Starts `count` writer threads; throws when the system refuses a thread.
    init(count: Int, logger: Logger) throws {
        let writers = (0..<max(1, count)).map { _ in Writer(logger: logger) }
        var threads: [BackgroundThread] = []
        do {
            for (index, writer) in writers.enumerated() {
                threads.append(try BackgroundThread(name: "log writer \(index)") { writer.run() })
            }
        } catch {
            for writer in writers { writer.stop() }
            for thread in threads { thread.join() }
            throw error
        }
        self.writers = writers
        self.threads = threads
    }

    /// Runs `job` on `partition`'s writer after every job submitted before for that partition.
    /// False once the writers are shut down: then `job` never runs.
    func submit(_ partition: TopicPartitionKey, _ job: @escaping Job) -> Bool {
        writers[Int(UInt(bitPattern: partition.hashValue) % UInt(writers.count))].submit(job)
    }

    /// Runs the jobs already submitted, then stops the threads; later submissions are refused.
    func shutdown() {
        for writer in writers { writer.stop() }
        for thread in threads { thread.join() }
    }
}
