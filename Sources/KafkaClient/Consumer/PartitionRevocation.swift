import Dispatch
import NIOConcurrencyHelpers

/// Partitions the group is taking away from a consumer that holds revocations
/// (`KafkaConsumer(config:revocationTimeout:)`), announced before librdkafka gives them up.
///
/// Guarantees: until `finish()` is called (or the consumer's revocation timeout passes) the consumer
/// still owns `partitions`: no other member is assigned them, and commits of their offsets are accepted.
/// Records of these partitions not yet taken from `messages` are already dropped, so what the owner has
/// taken is all it will see of them. `finish()` may be called more than once, from any thread.
public final class PartitionRevocation: Sendable, Hashable, CustomStringConvertible {
    public let partitions: [TopicPartition]
    private let finished = NIOLockedValueBox(false)
    private let released = DispatchSemaphore(value: 0)

    init(partitions: [TopicPartition]) {
        self.partitions = partitions
    }

    /// The owner is done with the partitions: librdkafka may complete the revocation.
    public func finish() {
        let first = finished.withLockedValue { finished in
            defer { finished = true }
            return !finished
        }
        if first { released.signal() }
    }

    /// Blocks the calling (poll) thread until `finish()`, `timeout`, or `stillWaiting()` turning false
    /// (the consumer closing); true if the owner finished.
    func waitForOwner(timeout: Duration, while stillWaiting: () -> Bool) -> Bool {
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.timeoutMilliseconds))
        while stillWaiting(), DispatchTime.now() < deadline {
            if released.wait(timeout: min(deadline, .now() + .milliseconds(100))) == .success { return true }
        }
        return finished.withLockedValue { $0 }
    }

    public var description: String { "revocation of \(partitions)" }

    public static func == (lhs: PartitionRevocation, rhs: PartitionRevocation) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}
