/// Spaces out sends to a target rate, by sleeping (without blocking a thread) whenever the sender
/// is ahead of schedule. A nil rate means as fast as possible.
struct RateLimiter {
    private let recordsPerSecond: Double?
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    init(recordsPerSecond: Double?) {
        self.recordsPerSecond = recordsPerSecond.flatMap { $0 > 0 ? $0 : nil }
        start = clock.now
    }

    /// Waits until record number `sent` (0-based) is due.
    func waitForTurn(_ sent: Int) async throws {
        guard let recordsPerSecond else { return }
        let due = start + .nanoseconds(Int64(Double(sent) / recordsPerSecond * 1e9))
        if due > clock.now + .milliseconds(1) { try await clock.sleep(until: due) }
    }
}
