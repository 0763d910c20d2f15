/// Exponential backoff: `initialDelayMillis`, times `multiplier` per attempt, capped at `maxDelayMillis`,
/// for at most `maxAttempts` attempts in all.
public struct RetryPolicy: Hashable, Sendable {
    public var maxAttempts: Int
    public var initialDelayMillis: Int64
    public var multiplier: Double
    public var maxDelayMillis: Int64

    public init(maxAttempts: Int = 8, initialDelayMillis: Int64 = 200, multiplier: Double = 2, maxDelayMillis: Int64 = 30_000) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelayMillis = max(0, initialDelayMillis)
        self.multiplier = max(1, multiplier)
        self.maxDelayMillis = max(self.initialDelayMillis, maxDelayMillis)
    }

    /// The wait before attempt `attempt + 1`, for `attempt` ≥ 1.
    public func delayMillis(afterAttempt attempt: Int) -> Int64 {
        var delay = Double(initialDelayMillis)
        for _ in 1..<max(1, attempt) where delay < Double(maxDelayMillis) { delay *= multiplier }
        return delay >= Double(maxDelayMillis) ? maxDelayMillis : Int64(delay)
    }

    /// Runs `operation` until it succeeds, fails with an error `isRetryable` rejects, or attempts run out
    /// (then the last error is thrown). `sleep` is injected so tests run without waiting. Runs on the
    /// caller's actor, so `operation` may use the caller's state.
    public func run<Result: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        isRetryable: (Error) -> Bool,
        sleep: (Int64) async throws -> Void,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch {
                guard attempt < maxAttempts, isRetryable(error) else { throw error }
                try await sleep(delayMillis(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}

/// Sleeps for real: the default for sinks outside tests.
public let taskSleep: @Sendable (Int64) async throws -> Void = { millis in
    try await Task.sleep(nanoseconds: UInt64(max(0, millis)) * 1_000_000)
}
