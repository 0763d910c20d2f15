import Atomics
import NIOConcurrencyHelpers

/// The promise a sink keeps for one event: call `acknowledge()` once the event is durably
/// delivered (for Kafka: its delivery report came back without error). The source behind it may
/// then forget the event — a file source moves its checkpoint past the line. An event that is
/// never acknowledged (sink failed, agent stopped) is read again after a restart.
///
/// Acknowledging is idempotent and thread-safe. A receipt split into parts (for fan-out, or for
/// the lines of a block turned into events) fires its own acknowledgement only when every part
/// has been acknowledged; the parts of a block's lines also move a file source's checkpoint line
/// by line as they are acknowledged in order.
public struct DeliveryReceipt: Sendable {
    private enum Kind: Sendable {
        case untracked
        case cell(AcknowledgementCell)
        case target(any ReceiptTarget, ReceiptToken)
        case part(ReceiptParts, Int)
    }

    private let kind: Kind

    /// A receipt whose acknowledgement runs `action` exactly once.
    public init(onAcknowledge action: @escaping @Sendable () -> Void) {
        kind = .cell(AcknowledgementCell(remaining: 1, action: action))
    }

    /// A receipt that hands `token` to `target` when acknowledged, without allocating: for
    /// sources that emit many events (a file source, one receipt per block of lines). The target
    /// must ignore repeated tokens, which makes acknowledging idempotent as the contract requires.
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
        case .part(let parts, let index): parts.acknowledge(index)
        }
    }

    /// For a receipt of a block of lines: everything up to the line ending at `end` is delivered.
    /// Only a target receipt passes this on (its target knows the lines' offsets); others wait for
    /// the whole.
    func acknowledge(through end: UInt64) {
        if case .target(let target, let token) = kind { target.acknowledge(ReceiptToken(stream: token.stream, offset: end)) }
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
        let parts = ReceiptParts(whole: self, count: count)
        return (0..<count).map { DeliveryReceipt(kind: .part(parts, $0)) }
    }

    /// One receipt per line of a block, replacing this one (the block's): acknowledging the first
    /// lines in order acknowledges this one up to them (`acknowledge(through:)`), all of them
    /// acknowledge it.
    func split(lineEnds: [UInt64]) -> [DeliveryReceipt] {
        if case .untracked = kind { return Array(repeating: self, count: lineEnds.count) }
        guard !lineEnds.isEmpty else {
            acknowledge()
            return []
        }
        let parts = ReceiptParts(whole: self, count: lineEnds.count, ends: lineEnds)
        return lineEnds.indices.map { DeliveryReceipt(kind: .part(parts, $0)) }
    }
}

/// Where a `DeliveryReceipt(target:token:)` delivers its acknowledgement. Called from any thread
/// (a sink's delivery callback), possibly more than once per token. For a receipt of a block of
/// lines, also with the offset of a line inside the block: the block is delivered up to there.
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

/// The shared state of the parts a receipt was split into: which parts are acknowledged (a part
/// acknowledged twice counts once), and for the lines of a block how long the acknowledged run
/// from the first line is. One object for all the parts.
private final class ReceiptParts: Sendable {
    private struct State {
        var acknowledged: [Bool]
        var remaining: Int
        /// Parts 0..<prefix are all acknowledged.
        var prefix = 0
    }

    private enum Outcome {
        case whole
        case through(UInt64)
    }

    private let whole: DeliveryReceipt
    private let ends: [UInt64]?
    private let state: NIOLockedValueBox<State>

    init(whole: DeliveryReceipt, count: Int, ends: [UInt64]? = nil) {
        self.whole = whole
        self.ends = ends
        state = NIOLockedValueBox(State(acknowledged: Array(repeating: false, count: count), remaining: count))
    }

    func acknowledge(_ index: Int) {
        let outcome = state.withLockedValue { state -> Outcome? in
            guard !state.acknowledged[index] else { return nil }
            state.acknowledged[index] = true
            state.remaining -= 1
            if state.remaining == 0 { return .whole }
            guard let ends, index == state.prefix else { return nil }
            while state.acknowledged[state.prefix] { state.prefix += 1 }
            return .through(ends[state.prefix - 1])
        }
        switch outcome {
        case .whole: whole.acknowledge()
        case .through(let end): whole.acknowledge(through: end)
        case nil: break
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

    /// The event and its receipt, handing the event over rather than leaving a copy behind.
    consuming func parts() -> (event: LogEvent, receipt: DeliveryReceipt) { (event, receipt) }
}
