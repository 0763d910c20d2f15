import NIOCore

/// The records of one file that were handed out but not yet acknowledged, and the checkpoint they
/// allow. Acknowledgements may arrive in any order; the committed offset only moves over a
/// contiguous run of acknowledged records from the front, so it never passes a record whose
/// delivery is still open.
struct AcknowledgementWindow {
    private struct Entry {
        let end: UInt64
        let bytes: Int
        var acknowledged = false
    }

    private(set) var committedOffset: UInt64
    /// Bytes of handed-out records not yet acknowledged: what backpressure limits.
    private(set) var pendingBytes = 0
    private var entries = CircularBuffer<Entry>()

    init(committedOffset: UInt64) { self.committedOffset = committedOffset }

    var isEmpty: Bool { entries.isEmpty }

    /// Records a handed-out record; records must be tracked in file order.
    mutating func track(_ record: FileRecord) {
        let bytes = Int(record.end - record.start)
        entries.append(Entry(end: record.end, bytes: bytes))
        pendingBytes += bytes
    }

    /// Marks the record ending at `end` delivered; unknown or repeated acknowledgements are ignored.
    mutating func acknowledge(end: UInt64) {
        var low = entries.startIndex
        var high = entries.endIndex
        while low < high {
            let middle = entries.index(low, offsetBy: entries.distance(from: low, to: high) / 2)
            if entries[middle].end < end { low = entries.index(after: middle) } else { high = middle }
        }
        guard low < entries.endIndex, entries[low].end == end, !entries[low].acknowledged else { return }
        entries[low].acknowledged = true
        pendingBytes -= entries[low].bytes
        while let first = entries.first, first.acknowledged {
            committedOffset = first.end
            entries.removeFirst()
        }
    }
}
