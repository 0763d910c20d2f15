import NIOConcurrencyHelpers
import NIOCore

/// A topic partition by name, as the broker's maps key it.
struct TopicPartitionKey: Hashable, Sendable, CustomStringConvertible {
    let topic: String
    let partition: Int32
    var description: String { "\(topic)-\(partition)" }
}

/// Wakes long-polling fetches when records are appended to a partition they wait on.
final class AppendNotifier: Sendable {
    private final class Waiter: Sendable {
        private let continuation = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)

        func install(_ continuation: CheckedContinuation<Void, Never>) {
            self.continuation.withLockedValue { $0 = continuation }
        }

        /// Resumes the waiting task once; later calls do nothing.
        func fire() {
            let pending = continuation.withLockedValue { value -> CheckedContinuation<Void, Never>? in
                defer { value = nil }
                return value
            }
            pending?.resume()
        }
    }

    private struct State {
        var waiters: [TopicPartitionKey: [ObjectIdentifier: Waiter]] = [:]
        /// Appends seen per partition, so a waiter can tell whether it missed one between its
        /// read and its registration.
        var appendCounts: [TopicPartitionKey: UInt64] = [:]
    }

    /// A point in the append history of some partitions, taken before reading them.
    struct Snapshot: Sendable {
        fileprivate let counts: [UInt64]
    }

    private let state = NIOLockedValueBox(State())

    /// Take this before reading `keys`; `wait` returns at once if an append happened since.
    func snapshot(_ keys: [TopicPartitionKey]) -> Snapshot {
        state.withLockedValue { state in Snapshot(counts: keys.map { state.appendCounts[$0, default: 0] }) }
    }

    /// Returns when one of `keys` gets an append after `snapshot`, or after `timeout`. Call it on a
    /// task running on `eventLoop` (the connection's): the timeout is then scheduled and cancelled
    /// there without waking another thread, and an early wake-up leaves no timer behind.
    func wait(for keys: [TopicPartitionKey], since snapshot: Snapshot, timeout: TimeAmount, on eventLoop: any EventLoop) async {
        guard timeout > .zero, !keys.isEmpty else { return }
        let waiter = Waiter()
        let id = ObjectIdentifier(waiter)
        var timer: Scheduled<Void>?
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter.install(continuation)
            let missedAppend = state.withLockedValue { state -> Bool in
                if zip(keys, snapshot.counts).contains(where: { state.appendCounts[$0.0, default: 0] != $0.1 }) { return true }
                for key in keys { state.waiters[key, default: [:]][id] = waiter }
                return false
            }
            if missedAppend {
                waiter.fire()
            } else {
                timer = eventLoop.scheduleTask(in: timeout) { waiter.fire() }
            }
        }
        timer?.cancel()
        state.withLockedValue { state in
            for key in keys {
                state.waiters[key]?[id] = nil
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
            }
        }
    }

    func notify(_ key: TopicPartitionKey) {
        let woken = state.withLockedValue { state in
            state.appendCounts[key, default: 0] &+= 1
            return state.waiters[key].map { Array($0.values) } ?? []
        }
        for waiter in woken { waiter.fire() }
    }
}
