import KafkaProtocol
import NIOCore

/// A segment's sparse time index (`.timeindex`): entries of (largest timestamp so far, offset of the
/// batch holding it), appended only when the largest timestamp grows, so both columns increase.
/// Kafka's 12-byte entry layout (8-byte timestamp, 4-byte relative offset). Held in memory for the
/// reasons given on `OffsetIndex`.
struct TimeIndex: Equatable {
    static let entrySize = 12

    struct Entry: Equatable {
        var timestamp: Int64
        var relativeOffset: Int32
    }

    let baseOffset: Offset
    private(set) var entries: [Entry] = []

    init(baseOffset: Offset) {
        self.baseOffset = baseOffset
    }

    var count: Int { entries.count }
    var last: (timestamp: Int64, offset: Offset)? { entries.last.map(resolve) }

    /// Appends when `timestamp` is larger than the last entry's; returns whether it did. Batches
    /// without a timestamp (-1) never make an entry.
    @discardableResult
    mutating func maybeAppend(timestamp: Int64, offset: Offset) -> Bool {
        guard timestamp >= 0 else { return false }
        if let last = entries.last, timestamp <= last.timestamp { return false }
        entries.append(Entry(timestamp: timestamp, relativeOffset: Int32(offset - baseOffset)))
        return true
    }

    /// The last entry whose timestamp is strictly below `timestamp`: every batch up to and including
    /// its offset is older than `timestamp`, so a search for `timestamp` may start after it.
    func lastEntry(before timestamp: Int64) -> (timestamp: Int64, offset: Offset)? {
        entries.lastIndex(whereSortedBy: { $0.timestamp < timestamp }).map { resolve(entries[$0]) }
    }

    mutating func removeAll() { entries.removeAll() }

    func serialized() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: entries.count * Self.entrySize)
        for entry in entries {
            buffer.writeInteger(entry.timestamp)
            buffer.writeInteger(entry.relativeOffset)
        }
        return buffer
    }

    /// Parses a time index file: whole entries, timestamps strictly and offsets weakly increasing,
    /// offsets not below the segment's base.
    static func parse(_ buffer: ByteBuffer, baseOffset: Offset) -> Result<TimeIndex, IndexCorruption> {
        guard buffer.readableBytes % entrySize == 0 else {
            return .failure(IndexCorruption("size \(buffer.readableBytes) is not a multiple of \(entrySize)"))
        }
        var index = TimeIndex(baseOffset: baseOffset)
        var reader = buffer
        while let timestamp = reader.readInteger(as: Int64.self), let relative = reader.readInteger(as: Int32.self) {
            let entry = Entry(timestamp: timestamp, relativeOffset: relative)
            if let previous = index.entries.last,
                entry.timestamp <= previous.timestamp || entry.relativeOffset < previous.relativeOffset
            {
                return .failure(IndexCorruption("entry \(index.entries.count) does not increase"))
            }
            guard entry.relativeOffset >= 0 else {
                return .failure(IndexCorruption("entry \(index.entries.count) has a negative offset"))
            }
            index.entries.append(entry)
        }
        return .success(index)
    }

    private func resolve(_ entry: Entry) -> (timestamp: Int64, offset: Offset) {
        (entry.timestamp, baseOffset + Int64(entry.relativeOffset))
    }
}
