import Atomics

/// The promise a sink keeps for one event: call `acknowledge()` once the event is durably
/// delivered (for Kafka: its delivery report came back without error). The source behind it may
/// then forget the event — a file source moves its checkpoint past the line. An event that is
/// never acknowledged (sink failed, agent stopped) is read again after a restart.
///
/// Acknowledging is idempotent and thread-safe. A receipt split for fan-out fires its source's
/// acknowledgement only when every part has been acknowledged.
public struct DeliveryReceipt: Sendable {
    private enum Kind: Sendable {
        case untracked
        case cell(AcknowledgementCell)
        case target(any ReceiptTarget, ReceiptToken)
    }

    private let kind: Kind

    /// A receipt whose acknowledgement runs `action` exactly once.
    public init(onAcknowledge action: @escaping @Sendable () -> Void) {
        kind = .cell(AcknowledgementCell(remaining: 1, action: action))
    }

    /// A receipt that hands `token` to `target` when acknowledged, without allocating: for
    /// sources that emit many events (a file source, one receipt per line). The target must
    /// ignore repeated tokens, which makes acknowledging idempotent as the contract requires.
    public init(target: any ReceiptTarget, token: ReceiptToken) {
        kind = .target(target, token)
    }

    private init(kind: Kind) { self.kind = kind }

    /// For events nobody waits on (syslog, stdin): acknowledging does nothing.
    public static let untracked = DeliveryReceipt(kind: .untracked)

    public func acknowledge() {
        switch kind {
        case .untracked: break
        case .cell(let cell): cell.acknowledgeOnce()
        case .target(let target, let token): target.acknowledge(token)
        }
    }

    /// `count` receipts that together acknowledge this one: for an event copied to several
    /// consumers. The parts must replace this receipt, which is not to be acknowledged itself.
    func split(into count: Int) -> [DeliveryReceipt] {
        if case .untracked = kind { return Array(repeating: self, count: count) }
        guard count != 1 else { return [self] }
        guard count > 0 else {
            acknowledge()
            return []
        }
        let shared = AcknowledgementCell(remaining: count, action: acknowledge)
        return (0..<count).map { _ in DeliveryReceipt(onAcknowledge: { shared.acknowledgeOnce() }) }
    }
}

/// Where a `DeliveryReceipt(target:token:)` delivers its acknowledgement. Called from any thread
/// (a sink's delivery callback), possibly more than once per token.
public protocol ReceiptTarget: AnyObject, Sendable {
    func acknowledge(_ token: ReceiptToken)
}

/// What a `ReceiptTarget` needs to know which event was acknowledged: two numbers the target
/// assigns (a file source: the read session and the offset after the line).
public struct ReceiptToken: Sendable, Hashable {
    public let stream: UInt64
    public let offset: UInt64

    public init(stream: UInt64, offset: UInt64) {
        self.stream = stream
        self.offset = offset
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
