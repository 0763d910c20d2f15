import NIOConcurrencyHelpers
import NIOCore

/// A queue of event batches between pipeline components, bounded by the batches' approximate size
/// in bytes: `send` suspends while the queue holds `capacityBytes` or more, which is how a slow
/// sink slows its sources instead of the agent's memory growing. Batches move as they are (a
/// block of lines is never taken apart). Any number of producers, one consumer. The
/// channel ends for the consumer when every producer has called `producerFinished()` and the queue
/// is empty. `abandon()` (sink failed) makes pending and future sends return false at once, so no
/// producer waits on a consumer that is gone.
final class BoundedChannel: Sendable {
    /// A suspended caller; `wake(true)` makes it try again, `wake(false)` makes it give up.
    private struct Waiter {
        let id: Int
        let wake: @Sendable (Bool) -> Void
    }

    private struct State {
        var queue = CircularBuffer<(batch: EventBatch, bytes: Int)>()
        var queuedBytes = 0
        var openProducers: Int
        var abandoned = false
        var senders: [Waiter] = []
        var receiver: Waiter?
        var lastWaiterID = 0
    }

    /// What one locked attempt decided: a final result, or a registered waiter to wait on.
    private enum Attempt<Result> {
        case done(Result)
        case wait
    }

    let capacityBytes: Int
    private let state: NIOLockedValueBox<State>

    init(capacityBytes: Int, producers: Int) {
        self.capacityBytes = max(1, capacityBytes)
        state = NIOLockedValueBox(State(openProducers: producers))
    }

    /// Appends the batch once there is room (an empty queue always has room, so one batch larger
    /// than the capacity still passes); false, with nothing appended, when abandoned or cancelled.
    /// The batch is moved into the queue, so the consumer holds the only copy of its events.
    func send(_ batch: consuming EventBatch) async -> Bool {
        let cost = batch.approximateBytes
        let parcel = Parcel(batch)
        while true {
            let outcome: Bool? = await waitable(givingUp: false) { id, state -> (Attempt<Bool>, [Waiter]) in
                if state.abandoned || Task.isCancelled { return (.done(false), []) }
                guard state.queuedBytes < self.capacityBytes || state.queue.isEmpty else { return (.wait, []) }
                state.queue.append((parcel.take(), cost))
                state.queuedBytes += cost
                defer { state.receiver = nil }
                return (.done(true), state.receiver.map { [$0] } ?? [])
            } register: { state, waiter in
                state.senders.append(waiter)
            } unregister: { state, id in
                guard let index = state.senders.firstIndex(where: { $0.id == id }) else { return nil }
                return state.senders.remove(at: index)
            }
            if let outcome { return outcome }
        }
    }

    /// The next batch; consecutive batches of events are merged up to `maxCount` events. Nil once
    /// the channel has ended, or on cancellation.
    func receive(maxCount: Int) async -> EventBatch? {
        while true {
            let outcome: EventBatch?? = await waitable(givingUp: nil) { id, state -> (Attempt<EventBatch?>, [Waiter]) in
                if Task.isCancelled { return (.done(nil), []) }
                guard let first = state.queue.popFirst() else { return state.openProducers == 0 ? (.done(nil), []) : (.wait, []) }
                var batch = first.batch
                state.queuedBytes -= first.bytes
                if var events = batch.ownEvents {
                    while let next = state.queue.first, let more = next.batch.ownEvents, events.count + more.count <= maxCount {
                        events += more
                        state.queuedBytes -= next.bytes
                        state.queue.removeFirst()
                    }
                    batch = EventBatch(events)
                }
                guard state.queuedBytes < self.capacityBytes else { return (.done(batch), []) }
                defer { state.senders = [] }
                return (.done(batch), state.senders)
            } register: { state, waiter in
                state.receiver = waiter
            } unregister: { state, id in
                guard state.receiver?.id == id else { return nil }
                defer { state.receiver = nil }
                return state.receiver
            }
            if let outcome { return outcome }
        }
    }

    /// One producer is done; the last one ends the channel once it is drained.
    func producerFinished() {
        let receiver = state.withLockedValue { state -> Waiter? in
            state.openProducers -= 1
            guard state.openProducers <= 0 else { return nil }
            defer { state.receiver = nil }
            return state.receiver
        }
        receiver?.wake(true)
    }

    /// The consumer is gone: fail waiting and future sends, and drop what is queued (those events
    /// stay unacknowledged, so their sources deliver them again after a restart).
    func abandon() {
        let senders = state.withLockedValue { state -> [Waiter] in
            state.abandoned = true
            state.queue.removeAll()
            state.queuedBytes = 0
            defer { state.senders = [] }
            return state.senders
        }
        for sender in senders { sender.wake(false) }
    }

    /// Runs `attempt` under the lock; when it says `.wait`, parks the caller as a waiter until it
    /// is woken to try again (nil) or to give up (`givingUp`, also on cancellation). Waiters the
    /// attempt returns are woken after the lock is released.
    private func waitable<Result: Sendable>(
        givingUp: Result,
        _ attempt: @Sendable (Int, inout State) -> (Attempt<Result>, [Waiter]),
        register: @Sendable (inout State, Waiter) -> Void,
        unregister: @escaping @Sendable (inout State, Int) -> Waiter?
    ) async -> Result? {
        let id = state.withLockedValue { state in
            state.lastWaiterID += 1
            return state.lastWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result?, Never>) in
                let (decision, toWake) = state.withLockedValue { state -> (Attempt<Result>, [Waiter]) in
                    let (decision, toWake) = attempt(id, &state)
                    if case .wait = decision {
                        register(&state, Waiter(id: id, wake: { retry in continuation.resume(returning: retry ? nil : givingUp) }))
                    }
                    return (decision, toWake)
                }
                for waiter in toWake { waiter.wake(true) }
                if case .done(let result) = decision { continuation.resume(returning: result) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { unregister(&$0, id) }
            waiter?.wake(false)
        }
    }
}

/// A batch on its way into a channel's queue: `send`'s attempts run in a closure that may run more
/// than once, and the one that succeeds moves the batch out. Touched only under the channel's lock.
private final class Parcel: @unchecked Sendable {
    private var batch: EventBatch?

    init(_ batch: consuming EventBatch) { self.batch = batch }

    func take() -> EventBatch {
        guard let batch = batch.take() else { preconditionFailure("a batch was sent twice") }
        return batch
    }
}
