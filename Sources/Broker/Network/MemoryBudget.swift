import Atomics

/// Bytes of request data buffered across all connections (`queued.max.request.bytes`).
/// A connection reserves a frame's declared size before buffering it and releases it once the
/// request has been handled; when the budget is spent, connections stop reading until it frees up,
/// so a flood of large requests slows clients down instead of exhausting memory.
public final class MemoryBudget: Sendable {
    public let limit: Int
    private let used = ManagedAtomic<Int>(0)

    public init(limit: Int) {
        self.limit = limit
    }

    public var usedBytes: Int { used.load(ordering: .relaxed) }

    /// Reserves `bytes` if they fit. A single frame larger than the whole budget is let through when
    /// nothing else is reserved, so a limit below `socket.request.max.bytes` cannot wedge a client.
    public func tryReserve(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            let next = current + bytes
            if next > limit && current > 0 { return false }
            let (exchanged, original) = used.weakCompareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Accounts for bytes that are already in memory whether or not they fit.
    public func forceReserve(_ bytes: Int) {
        used.wrappingIncrement(by: bytes, ordering: .relaxed)
    }

    public func release(_ bytes: Int) {
        used.wrappingDecrement(by: bytes, ordering: .relaxed)
    }
}
