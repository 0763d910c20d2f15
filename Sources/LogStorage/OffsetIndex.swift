import KafkaProtocol
import NIOCore

/// A segment's sparse offset index (`.index`): every `index.interval.bytes` of batches it records the
/// last offset of a batch and the batch's file position, so a lookup scans at most one interval.
///
/// Entries are Kafka's: 8 bytes, a 4-byte offset relative to the segment's base offset and a 4-byte
/// position, big-endian. Unlike Kafka we keep the entries in memory rather than in a preallocated
/// mmap'ed file: the active segment's index is written out when the segment rolls or the log closes,
/// and recovery rebuilds it after a crash (it rebuilds the active segment anyway). This avoids
/// SIGBUS on a truncated mapping and keeps the code free of unsafe pointers; the price is memory,
/// 8 bytes per `index.interval.bytes` of log (about 2 MiB per GiB at the defaults).
struct OffsetIndex: Equatable {
    static let entrySize = 8

    struct Entry: Equatable {
        var relativeOffset: Int32
        var position: Int32
    }

    let baseOffset: Offset
    private(set) var entries: [Entry] = []

    init(baseOffset: Offset) {
        self.baseOffset = baseOffset
    }

    var count: Int { entries.count }
    var last: (offset: Offset, position: Int)? { entries.last.map(resolve) }

    /// Records that the batch at `position` ends at `lastOffset`. Callers append in log order.
    mutating func append(lastOffset: Offset, position: Int) {
        entries.append(Entry(relativeOffset: Int32(lastOffset - baseOffset), position: Int32(position)))
    }

    /// The indexed batch with the largest offset not above `offset`; scanning from its position finds
    /// the batch containing `offset`. nil when `offset` precedes every entry (scan from position 0).
    func lookup(_ offset: Offset) -> (offset: Offset, position: Int)? {
        let relative = offset - baseOffset
        let index = entries.lastIndex(whereSortedBy: { Int64($0.relativeOffset) <= relative })
        return index.map { resolve(entries[$0]) }
    }

    mutating func removeAll() { entries.removeAll() }

    func serialized() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: entries.count * Self.entrySize)
        for entry in entries {
            buffer.writeInteger(entry.relativeOffset)
            buffer.writeInteger(entry.position)
        }
        return buffer
    }

    /// Parses an index file, checking what Kafka's sanity check does and more: whole entries only,
    /// offsets and positions strictly increasing, positions inside the `.log` file.
    /// Returns the reason when the file cannot be trusted.
    static func parse(_ buffer: ByteBuffer, baseOffset: Offset, logSize: Int) -> Result<OffsetIndex, IndexCorruption> {
        guard buffer.readableBytes % entrySize == 0 else {
            return .failure(IndexCorruption("size \(buffer.readableBytes) is not a multiple of \(entrySize)"))
        }
        var index = OffsetIndex(baseOffset: baseOffset)
        var reader = buffer
        while let relative = reader.readInteger(as: Int32.self), let position = reader.readInteger(as: Int32.self) {
            let entry = Entry(relativeOffset: relative, position: position)
            if let previous = index.entries.last,
                entry.relativeOffset <= previous.relativeOffset || entry.position <= previous.position
            {
                return .failure(IndexCorruption("entry \(index.entries.count) does not increase"))
            }
            guard entry.relativeOffset >= 0, entry.position >= 0, Int(entry.position) < logSize else {
                return .failure(IndexCorruption("entry \(index.entries.count) points outside the log"))
            }
            index.entries.append(entry)
        }
        return .success(index)
    }

    private func resolve(_ entry: Entry) -> (offset: Offset, position: Int) {
        (baseOffset + Int64(entry.relativeOffset), Int(entry.position))
    }
}

/// Why an index file was not trusted (and so rebuilt).
struct IndexCorruption: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Array {
    /// The last index whose element satisfies `predicate`, for a predicate that is true for a prefix
    /// of the array and false after it (binary search).
    func lastIndex(whereSortedBy predicate: (Element) -> Bool) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}
