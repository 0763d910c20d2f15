import LogAgent
import NIOConcurrencyHelpers

/// A sink that keeps what it receives. `acknowledgeWhere` decides per event (by arrival index)
/// whether to acknowledge it; `gate` lets a test hold `write` until it opens; `failure` makes
/// `write` throw.
final class InMemorySink: EventSink {
    struct SinkFailure: Error, CustomStringConvertible {
        var description: String { "broker unreachable" }
    }

    private struct State {
        var events: [LogEvent] = []
        var unacknowledged: [DeliveryReceipt] = []
        var closed = false
        var gateOpen: Bool
    }

    private let state: NIOLockedValueBox<State>
    private let acknowledgeWhere: @Sendable (Int) -> Bool
    private let fails: Bool

    init(gateOpen: Bool = true, fails: Bool = false, acknowledgeWhere: @escaping @Sendable (Int) -> Bool = { _ in true }) {
        state = NIOLockedValueBox(State(gateOpen: gateOpen))
        self.acknowledgeWhere = acknowledgeWhere
        self.fails = fails
    }

    var events: [LogEvent] { state.withLockedValue { $0.events } }
    var messages: [String] { events.map(\.message) }
    var isClosed: Bool { state.withLockedValue { $0.closed } }

    func openGate() { state.withLockedValue { $0.gateOpen = true } }

    /// Acknowledges what was held back.
    func acknowledgeHeldBack() {
        let receipts = state.withLockedValue { state in
            defer { state.unacknowledged = [] }
            return state.unacknowledged
        }
        for receipt in receipts { receipt.acknowledge() }
    }

    func write(_ batch: EventBatch) async throws {
        if fails { throw SinkFailure() }
        while !state.withLockedValue({ $0.gateOpen }) { try await Task.sleep(for: .milliseconds(5)) }
        for event in batch.events {
            let index = state.withLockedValue { state in
                state.events.append(event.event)
                return state.events.count - 1
            }
            if acknowledgeWhere(index) {
                event.receipt.acknowledge()
            } else {
                state.withLockedValue { $0.unacknowledged.append(event.receipt) }
            }
        }
    }

    func close() async throws {
        state.withLockedValue { $0.closed = true }
    }

    /// Waits (up to 10 s) until at least `count` events arrived; false on timeout.
    func waitFor(count: Int) async -> Bool {
        for _ in 0..<2000 {
            if events.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
}
