#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var lineStart = 0
            while lineStart < buffer.count,
                let found = memchr(base + lineStart, 0x0A, buffer.count - lineStart)
            {
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if partial.isEmpty, index - lineStart <= maximumLineBytes {
                    // The common case: the whole line is in this chunk, so its text is made
                    // straight from the read buffer without a copy into `partial`.
                    var line = UnsafeBufferPointer(rebasing: buffer[lineStart..<index])
                    if line.last == UInt8(ascii: "\r") { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
                    records.append(take(text: line, consumedBytes: index + 1 - lineStart))
                } else {
                    partial.append(contentsOf: buffer[lineStart..<index])
                    records.append(contentsOf: takeOversizedPieces())
                    var text = partial
                    if text.last == UInt8(ascii: "\r") { text.removeLast() }
                    let consumed = partial.count + 1
                    partial.removeAll(keepingCapacity: true)
                    records.append(text.withUnsafeBufferPointer { take(text: $0, consumedBytes: consumed) })
                }
                lineStart = index + 1
            }
            partial.append(contentsOf: buffer[lineStart...])
        }
        records.append(contentsOf: takeOversizedPieces())
        return records
    }

    /// The unterminated tail as a record (for a file that will not grow any more), if any.
    mutating func flush() -> FileRecord? {
        guard !partial.isEmpty else { return nil }
        let text = partial
        partial.removeAll(keepingCapacity: true)
        return text.withUnsafeBufferPointer { take(text: $0, consumedBytes: text.count) }
    }

    private mutating func takeOversizedPieces() -> [FileRecord] {
        var pieces: [FileRecord] = []
        while partial.count > maximumLineBytes {
            let piece = Array(partial.prefix(maximumLineBytes))
            partial.removeFirst(maximumLineBytes)
            pieces.append(piece.withUnsafeBufferPointer { take(text: $0, consumedBytes: maximumLineBytes) })
        }
        return pieces
    }

    private mutating func take(text: UnsafeBufferPointer<UInt8>, consumedBytes: Int) -> FileRecord {
        let record = FileRecord(
            text: String(decoding: text, as: UTF8.self), start: partialStart, end: partialStart + UInt64(consumedBytes))
        partialStart = record.end
        return record
    }
}
