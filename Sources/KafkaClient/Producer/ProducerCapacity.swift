import NIOConcurrencyHelpers

/// Lets senders wait, without blocking a thread, for room in librdkafka's queue after QUEUE_FULL.
/// The poll thread calls `signal()` after every poll (at least every 100 ms, and as soon as delivery
/// reports free space); the generation number closes the gap between a failed attempt and the wait.
final class ProducerCapacity: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Read before an attempt; pass to `waitForSpace(after:)` if the attempt finds the queue full.
    var generation: UInt64 { state.withLockedValue { $0.generation } }

    func signal() {
        let waiters = state.withLockedValue { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns at the first signal after `generation` (at once if one already happened); throws
    /// CancellationError if the task is cancelled while waiting.
    func waitForSpace(after generation: UInt64) async throws {
        let id = state.withLockedValue { state in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let alreadySignalled = state.withLockedValue { state in
                    guard state.generation == generation else { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if alreadySignalled { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
