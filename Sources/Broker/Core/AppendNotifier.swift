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

    private let waiters = NIOLockedValueBox<[TopicPartitionKey: [ObjectIdentifier: Waiter]]>([:])

    /// Returns when one of `keys` gets an append, or after `timeout`.
    func wait(for keys: [TopicPartitionKey], timeout: TimeAmount, on eventLoop: EventLoop) async {
        guard timeout > .zero, !keys.isEmpty else { return }
        let waiter = Waiter()
        let id = ObjectIdentifier(waiter)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter.install(continuation)
            waiters.withLockedValue { map in
                for key in keys { map[key, default: [:]][id] = waiter }
            }
            let timer = eventLoop.scheduleTask(in: timeout) { waiter.fire() }
            _ = timer
        }
        waiters.withLockedValue { map in
            for key in keys {
                map[key]?[id] = nil
                if map[key]?.isEmpty == true { map[key] = nil }
            }
        }
    }

    func notify(_ key: TopicPartitionKey) {
        let woken = waiters.withLockedValue { map in map[key].map { Array($0.values) } ?? [] }
        for waiter in woken { waiter.fire() }
    }
}
