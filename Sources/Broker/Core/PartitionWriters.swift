import LogStorage
import NIOConcurrencyHelpers

/// The broker's append threads. A partition always appends on the same thread, so its appends run
/// in the order they were submitted (the order requests arrived in) while the submitting event loop
/// goes on at once to the connection's next request.
///
/// Why not the storage thread pool: its threads take jobs in any order, so a connection had to wait
/// for each append to come back before submitting the next, and an acks=all produce cost four
/// thread hand-offs (loop → pool → loop → flusher → loop) where this costs three at most
/// (loop → writer → flusher → loop; the flusher is only woken when idle). On a small machine,
/// hand-offs cost more than the bytes.
///
/// Writers never fsync: the `LogFlusher` does, so an append (and the consumers waiting for it)
/// never waits behind a slow disk flush.
final class PartitionWriters: Sendable {
    typealias Job = @Sendable () -> Void

    private final class Writer: Sendable {
        private struct Queue {
            var jobs: [Job] = []
            var running = true
        }

        /// Its value says whether jobs are waiting (or the writer must stop).
        private let queue = ConditionLock<Bool>(value: false)
        /// Guarded by `queue`'s lock.
        nonisolated(unsafe) private var state = Queue()

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
                for job in round { job() }
                round.removeAll(keepingCapacity: true)
            }
        }
    }

    private let writers: [Writer]
    private let threads: [BackgroundThread]

    /// Starts `count` writer threads; throws when the system refuses a thread.
    init(count: Int) throws {
        let writers = (0..<max(1, count)).map { _ in Writer() }
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
