import NIOCore

/// Runs Swift tasks on a NIO event loop. A request's async handler code then runs on its
/// connection's event loop and changes threads only where it must: storage I/O on the broker's
/// thread pool, fsync waits on the flusher. Each thread hop is a wake-up, and on a small machine
/// wake-ups, not bytes, are what a request costs.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
