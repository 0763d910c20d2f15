/// A line (or a joined multiline record) cut from a file, with the byte range it came from:
/// `end` is the offset right after its terminator, where reading resumes once it is delivered.
struct FileRecord: Equatable {
    var text: String
    var start: UInt64
    var end: UInt64
}

/// Cuts a byte stream into lines at LF (dropping a CR before it), keeping each line's offsets.
/// An unterminated tail waits for more bytes; a line reaching `maximumLineBytes` without a
/// terminator is emitted in pieces of that size, so memory stays bounded and no byte is lost.
struct LineSplitter {
    let maximumLineBytes: Int
    private var partial: [UInt8] = []
    private var partialStart: UInt64

    init(startOffset: UInt64, maximumLineBytes: Int) {
        self.partialStart = startOffset
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    var bufferedBytes: Int { partial.count }

    mutating func feed(_ bytes: [UInt8]) -> [FileRecord] {
        var records: [FileRecord] = []
        var lineStart = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            partial.append(contentsOf: bytes[lineStart..<index])
            lineStart = index + 1
            records.append(contentsOf: takeOversizedPieces())
            var text = partial
            if text.last == UInt8(ascii: "\r") { text.removeLast() }
            records.append(takePartial(text: text, consumedBytes: partial.count + 1))
        }
        partial.append(contentsOf: bytes[lineStart...])
        records.append(contentsOf: takeOversizedPieces())
        return records
    }

    /// The unterminated tail as a record (for a file that will not grow any more), if any.
    mutating func flush() -> FileRecord? {
        guard !partial.isEmpty else { return nil }
        return takePartial(text: partial, consumedBytes: partial.count)
    }

    private mutating func takeOversizedPieces() -> [FileRecord] {
        var pieces: [FileRecord] = []
        while partial.count > maximumLineBytes {
            let piece = Array(partial.prefix(maximumLineBytes))
            partial.removeFirst(maximumLineBytes)
            let start = partialStart
            partialStart += UInt64(maximumLineBytes)
            pieces.append(FileRecord(text: String(decoding: piece, as: UTF8.self), start: start, end: partialStart))
        }
        return pieces
    }

    private mutating func takePartial(text: [UInt8], consumedBytes: Int) -> FileRecord {
        let record = FileRecord(
            text: String(decoding: text, as: UTF8.self), start: partialStart, end: partialStart + UInt64(consumedBytes))
        partialStart = record.end
        partial.removeAll(keepingCapacity: true)
        return record
    }
}
