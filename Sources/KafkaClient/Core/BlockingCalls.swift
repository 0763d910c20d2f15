import NIOPosix

/// Dedicated threads for librdkafka calls that block until the cluster answers (metadata, admin
/// requests, synchronous commits, flush), so async callers never block a cooperative-pool thread.
enum BlockingCalls {
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await pool.runIfActive(body)
    }

    /// Runs `body` on a dedicated thread without waiting for it: for teardown started from a `deinit`,
    /// which may run on any thread, including the cooperative pool.
    static func runDetached(_ body: @escaping @Sendable () -> Void) {
        pool.submit { _ in body() }
    }
}
