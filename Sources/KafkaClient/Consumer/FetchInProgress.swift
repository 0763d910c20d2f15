import NIOConcurrencyHelpers

/// The batch the poll thread is fetching, shared with the rebalance callback that runs inside its poll.
///
/// `lock` is held while a batch is fetched and appended, and by `ConsumerPoller.reposition` (seek,
/// assign), so a seek never races a batch. A revocation held for the owner releases it while it waits
/// (`releasedForOwner`), after appending the batch so far: the owner may then seek or assign without
/// waiting for the revocation it is handling, and no message fetched before the hold is appended after it.
final class FetchInProgress: Sendable {
    private let lock = NIOLock()
    private let pending = NIOLockedValueBox<[ConsumedMessage]>([])
    let buffer: ConsumedMessageBuffer

    init(buffer: ConsumedMessageBuffer) {
        self.buffer = buffer
    }

    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func add(_ message: ConsumedMessage) {
        pending.withLockedValue { $0.append(message) }
    }

    var pendingCount: Int { pending.withLockedValue { $0.count } }

    /// Hands the batch so far to readers. Called with `lock` held.
    func appendPending() {
        let batch = pending.withLockedValue { pending in
            defer { pending = [] }
            return pending
        }
        if !batch.isEmpty { buffer.append(batch) }
    }

    /// Poll thread, inside a rebalance callback (so with `lock` held): appends the batch so far, then
    /// runs `body` with the lock released.
    func releasedForOwner<Result>(_ body: () -> Result) -> Result {
        appendPending()
        lock.unlock()
        defer { lock.lock() }
        return body()
    }
}
