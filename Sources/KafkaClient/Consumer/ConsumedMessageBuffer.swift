import Foundation

/// Hands consumed messages from the poll thread to async readers. It holds at most about `capacity`
/// messages: the poll thread waits (on its own thread) while the buffer is full, so a slow reader
/// slows fetching instead of growing memory. Readers wait without blocking a thread.
///
/// `@unchecked Sendable`: every stored `var` is read and written only while `condition` is locked.
final class ConsumedMessageBuffer: @unchecked Sendable {
    private typealias Waiter = CheckedContinuation<ConsumedMessage?, any Error>

    private let condition = NSCondition()
    private let capacity: Int
    private var messages: [ConsumedMessage] = []
    private var head = 0
    private var waiters: [(id: UInt64, continuation: Waiter)] = []
    private var nextWaiterID: UInt64 = 0
    /// Set once: nil while open, then `.success` for a clean end or `.failure` for a fatal error.
    private var end: Result<Void, KafkaError>?
    /// Per partition, the offset after the last message handed to a reader since `takePositions()`.
    private var positions: [TopicPartition: Int64] = [:]
    /// Counts `discard` calls; stamped on every message as a reader takes it (`readGeneration`).
    private var generation: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private var count: Int { messages.count - head }

    /// Poll thread: adds a batch, handing messages straight to waiting readers.
    func append(_ batch: [ConsumedMessage]) {
        var handOffs: [(Waiter, ConsumedMessage)] = []
        condition.lock()
        guard end == nil else {
            condition.unlock()
            return
        }
        var remaining = batch[...]
        while !waiters.isEmpty, var message = remaining.popFirst() {
            message.readGeneration = generation
            handOffs.append((waiters.removeFirst().continuation, message))
            positions[message.topicPartition] = message.offset + 1
        }
        messages.append(contentsOf: remaining)
        condition.unlock()
        for (waiter, message) in handOffs { waiter.resume(returning: message) }
    }

    /// Poll thread: waits while the buffer is full, the sequence open and `keepWaiting()` holds.
    func waitWhileFull(keepWaiting: () -> Bool) {
        condition.lock()
        while count >= capacity, end == nil, keepWaiting() {
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        condition.unlock()
    }

    /// Ends the sequence: buffered messages are dropped (no reader saw them, so their offsets are not
    /// stored), waiting readers get nil, or `error`.
    func finish(_ error: KafkaError? = nil) {
        condition.lock()
        if end == nil { end = error.map { .failure($0) } ?? .success(()) }
        messages.removeAll()
        head = 0
        let ending = waiters
        waiters = []
        condition.broadcast()
        condition.unlock()
        for (_, waiter) in ending {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// Drops buffered messages of the partitions `shouldDrop` names (revoked, reassigned, or
    /// repositioned by a seek); readers never see them, so their offsets are not stored. Returns the
    /// generation every message taken from now on carries; those taken before carry a lower one.
    @discardableResult
    func discard(where shouldDrop: (TopicPartition) -> Bool) -> UInt64 {
        condition.lock()
        messages = messages[head...].filter { !shouldDrop($0.topicPartition) }
        head = 0
        generation += 1
        let current = generation
        condition.broadcast()
        condition.unlock()
        return current
    }

    /// The positions readers have reached since the last call: what the group may commit.
    func takePositions() -> [TopicPartition: Int64] {
        condition.lock()
        defer {
            positions = [:]
            condition.unlock()
        }
        return positions
    }

    /// The next message; nil once finished (or when the reading task is cancelled).
    func next() async throws -> ConsumedMessage? {
        if let ready = try takeIfReady() { return ready }
        let id = registerID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                enqueueOrResume(continuation, id: id)
            }
        } onCancel: {
            cancelWaiter(id: id)
        }
    }

    /// A buffered message, nil if none yet, or the end (returned as `.some(nil)` / thrown).
    private func takeIfReady() throws -> ConsumedMessage?? {
        condition.lock()
        defer { condition.unlock() }
        if let message = popLocked() { return .some(message) }
        switch end {
        case nil: return nil
        case .success: return .some(nil)
        case .failure(let error): throw error
        }
    }

    private func registerID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextWaiterID &+= 1
        return nextWaiterID
    }

    private func enqueueOrResume(_ continuation: Waiter, id: UInt64) {
        condition.lock()
        if let message = popLocked() {
            condition.unlock()
            continuation.resume(returning: message)
            return
        }
        if let end {
            condition.unlock()
            continuation.resume(with: end.map { nil }.mapError { $0 as any Error })
            return
        }
        if Task.isCancelled {
            condition.unlock()
            continuation.resume(returning: nil)
            return
        }
        waiters.append((id, continuation))
        condition.unlock()
    }

    private func cancelWaiter(id: UInt64) {
        condition.lock()
        let index = waiters.firstIndex { $0.id == id }
        let waiter = index.map { waiters.remove(at: $0).continuation }
        condition.unlock()
        waiter?.resume(returning: nil)
    }

    /// Requires `condition` locked. Wakes the poll thread once the buffer drops below half full.
    private func popLocked() -> ConsumedMessage? {
        guard head < messages.count else { return nil }
        var message = messages[head]
        message.readGeneration = generation
        head += 1
        positions[message.topicPartition] = message.offset + 1
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= messages.count {
            messages.removeFirst(head)
            head = 0
        }
        if count < capacity / 2 + 1 { condition.signal() }
        return message
    }
}
