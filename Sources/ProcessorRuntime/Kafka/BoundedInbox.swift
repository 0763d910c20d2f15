import NIOConcurrencyHelpers

/// Hands items from one producing task to one consumer that waits at most a given time for them.
///
/// Guarantees: items come out in the order they went in; at most `capacity` items wait inside (`put`
/// suspends, without blocking a thread, until `take` or `discard` makes room), so a slow consumer slows
/// the producer instead of growing memory; `take` returns as soon as items are there, or nothing once its
/// wait is over, or throws the error the producer finished with; an item `discard` removed never comes
/// out. Neither side ever blocks a thread.
final class BoundedInbox<Element: Sendable>: Sendable {
    private struct State: Sendable {
        var items: [Element] = []
        var head = 0
        var taker: (wait: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var putter: CheckedContinuation<Void, Never>?
        var lastWait: UInt64 = 0
        var expiredWait: UInt64 = 0
        /// Set once: `.success` for a clean end, `.failure` for the producer's error.
        var end: Result<Void, any Error>?

        var count: Int { items.count - head }
    }

    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Producer: adds an item, waiting while the inbox is full. After `finish` items are dropped.
    func put(_ item: Element) async {
        while true {
            let (added, taker): (Bool, CheckedContinuation<Void, Never>?) = state.withLockedValue { state in
                guard state.end == nil else { return (true, nil) }
                guard state.count < capacity else { return (false, nil) }
                state.items.append(item)
                defer { state.taker = nil }
                return (true, state.taker?.continuation)
            }
            taker?.resume()
            if added { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let roomNow = state.withLockedValue { state in
                    guard state.count >= capacity, state.end == nil else { return true }
                    state.putter = continuation
                    return false
                }
                if roomNow { continuation.resume() }
            }
        }
    }

    /// Ends the inbox (the producer when its input ends, or the consumer that stops taking): items still
    /// inside are taken first, then `take` returns nothing, or throws `error`; a waiting `put` returns.
    func finish(_ error: (any Error)? = nil) {
        let (taker, putter) = state.withLockedValue { state in
            if state.end == nil { state.end = error.map { .failure($0) } ?? .success(()) }
            defer {
                state.taker = nil
                state.putter = nil
            }
            return (state.taker?.continuation, state.putter)
        }
        taker?.resume()
        putter?.resume()
    }

    /// Consumer: up to `limit` items, waiting up to `wait` for the first; empty when none came in time or
    /// the inbox ended cleanly.
    func take(limit: Int, waitingUpTo wait: Duration) async throws -> [Element] {
        if let ready = try takeReady(limit: limit) { return ready }
        let waitID = state.withLockedValue { state in
            state.lastWait += 1
            return state.lastWait
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: wait)
            self?.expire(waitID)
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let readyNow = state.withLockedValue { state in
                guard state.count == 0, state.end == nil, state.expiredWait != waitID else { return true }
                state.taker = (waitID, continuation)
                return false
            }
            if readyNow { continuation.resume() }
        }
        return try takeReady(limit: limit) ?? []
    }

    /// Consumer: removes the waiting items `shouldDrop` picks (say, records fetched before a seek) and
    /// wakes a producer waiting for room.
    func discard(where shouldDrop: (Element) -> Bool) {
        let putter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard state.items[state.head...].contains(where: shouldDrop) else { return nil }
            let kept = state.items[state.head...].filter { !shouldDrop($0) }
            state.items = Array(kept)
            state.head = 0
            defer { state.putter = nil }
            return state.putter
        }
        putter?.resume()
    }

    /// Items if there are any, `[]` at a clean end, nil while open and empty.
    private func takeReady(limit: Int) throws -> [Element]? {
        let (taken, end, putter): ([Element], Result<Void, any Error>?, CheckedContinuation<Void, Never>?) = state.withLockedValue { state in
            let count = min(max(1, limit), state.count)
            let taken = Array(state.items[state.head..<state.head + count])
            state.head += count
            if state.head == state.items.count {
                state.items.removeAll(keepingCapacity: true)
                state.head = 0
            } else if state.head >= 4096, state.head * 2 >= state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            defer { if count > 0 { state.putter = nil } }
            return (taken, state.end, count > 0 ? state.putter : nil)
        }
        putter?.resume()
        if !taken.isEmpty { return taken }
        switch end {
        case nil: return nil
        case .success: return []
        case .failure(let error): throw error
        }
    }

    private func expire(_ waitID: UInt64) {
        let taker = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.expiredWait = waitID
            guard let taker = state.taker, taker.wait == waitID else { return nil }
            state.taker = nil
            return taker.continuation
        }
        taker?.resume()
    }
}
