import NIOCore

/// The blocks of lines of one file that were handed out but not yet acknowledged, and the
/// checkpoint they allow. Acknowledgements may arrive in any order; the committed offset only
/// moves over a contiguous run of acknowledged blocks from the front, so it never passes a line
/// whose delivery is still open. A block may also be acknowledged part of the way, up to the end
/// of a line inside it (its first lines were delivered, see `DeliveryReceipt`): the committed
/// offset then moves that far into it once it is at the front.
struct AcknowledgementWindow {
    private struct Entry {
        let end: UInt64
        let bytes: Int
        var acknowledged = false
        /// How far a part-way acknowledgement reached.
        var acknowledgedThrough: UInt64?
    }

    private(set) var committedOffset: UInt64
    /// Bytes of handed-out records not yet acknowledged: what backpressure limits.
    private(set) var pendingBytes = 0
    private var entries = CircularBuffer<Entry>()

    init(committedOffset: UInt64) { self.committedOffset = committedOffset }

    var isEmpty: Bool { entries.isEmpty }

    /// Records a handed-out block spanning `start..<end`; blocks must be tracked in file order.
    mutating func track(start: UInt64, end: UInt64) {
        let bytes = Int(end - start)
        entries.append(Entry(end: end, bytes: bytes))
        pendingBytes += bytes
    }

    /// Marks the block ending at `end` delivered, or the one containing `end` delivered up to it;
    /// unknown or repeated acknowledgements are ignored.
    mutating func acknowledge(end: UInt64) {
        var low = entries.startIndex
        var high = entries.endIndex
        while low < high {
            let middle = entries.index(low, offsetBy: entries.distance(from: low, to: high) / 2)
            if entries[middle].end < end { low = entries.index(after: middle) } else { high = middle }
        }
        guard low < entries.endIndex, !entries[low].acknowledged, end > committedOffset else { return }
        if entries[low].end == end {
            entries[low].acknowledged = true
            pendingBytes -= entries[low].bytes
        } else {
            entries[low].acknowledgedThrough = max(entries[low].acknowledgedThrough ?? 0, end)
        }
        while let first = entries.first, first.acknowledged {
            committedOffset = first.end
            entries.removeFirst()
        }
        if let through = entries.first?.acknowledgedThrough { committedOffset = max(committedOffset, through) }
    }
}
