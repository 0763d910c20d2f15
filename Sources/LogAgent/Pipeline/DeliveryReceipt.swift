import Atomics

/// The promise a sink keeps for one event: call `acknowledge()` once the event is durably
/// delivered (for Kafka: its delivery report came back without error). The source behind it may
/// then forget the event — a file source moves its checkpoint past the line. An event that is
/// never acknowledged (sink failed, agent stopped) is read again after a restart.
///
/// Acknowledging is idempotent and thread-safe. A receipt split for fan-out fires its source's
/// acknowledgement only when every part has been acknowledged.
public struct DeliveryReceipt: Sendable {
    private let cell: AcknowledgementCell?

    /// A receipt whose acknowledgement runs `action` exactly once.
    public init(onAcknowledge action: @escaping @Sendable () -> Void) {
        cell = AcknowledgementCell(remaining: 1, action: action)
    }

    private init(cell: AcknowledgementCell?) { self.cell = cell }

    /// For events nobody waits on (syslog, stdin): acknowledging does nothing.
    public static let untracked = DeliveryReceipt(cell: nil)

    public func acknowledge() { cell?.acknowledgeOnce() }

    /// `count` receipts that together acknowledge this one: for an event copied to several
    /// consumers. The parts must replace this receipt, which is not to be acknowledged itself.
    func split(into count: Int) -> [DeliveryReceipt] {
        guard let cell, count != 1 else { return Array(repeating: self, count: count) }
        guard count > 0 else {
            cell.acknowledgeOnce()
            return []
        }
        let shared = AcknowledgementCell(remaining: count, action: { cell.acknowledgeOnce() })
        return (0..<count).map { _ in DeliveryReceipt(onAcknowledge: { shared.acknowledgeOnce() }) }
    }
}

/// Counts acknowledgements down and runs its action when the count reaches zero; further
/// acknowledgements do nothing.
private final class AcknowledgementCell: Sendable {
    private let remaining: ManagedAtomic<Int>
    private let action: @Sendable () -> Void

    init(remaining: Int, action: @escaping @Sendable () -> Void) {
        self.remaining = ManagedAtomic(remaining)
        self.action = action
    }

    func acknowledgeOnce() {
        while true {
            let current = remaining.load(ordering: .acquiring)
            guard current > 0 else { return }
            if remaining.compareExchange(expected: current, desired: current - 1, ordering: .acquiringAndReleasing).exchanged {
                if current == 1 { action() }
                return
            }
        }
    }
}

/// An event travelling through the pipeline with the receipt that acknowledges it to its source.
public struct PipelineEvent: Sendable {
    public var event: LogEvent
    public let receipt: DeliveryReceipt

    public init(_ event: LogEvent, receipt: DeliveryReceipt = .untracked) {
        self.event = event
        self.receipt = receipt
    }
}
