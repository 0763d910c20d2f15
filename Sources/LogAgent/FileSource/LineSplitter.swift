#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A line (or a joined multiline record) cut from a file, with the byte range it came from:
/// `end` is the offset right after its terminator, where reading resumes once it is delivered.
struct FileRecord: Equatable {
    var text: String
    var start: UInt64
    var end: UInt64
}

/// Cuts a byte stream into lines at LF (dropping a CR before it), keeping each line's offsets.
/// Bytes are read straight into a buffer that the lines then point into, so a line is never
/// copied: only an unterminated tail is carried over, in front of the next read. A line reaching
/// `maximumLineBytes` without a terminator is cut into pieces of that size, so memory stays
/// bounded and no byte is lost.
struct LineSplitter {
    /// What one read produced: the buffer (carried bytes, then the new ones), the complete lines
    /// in it, and the stream offset its first byte came from.
    struct Read {
        let bytes: ByteBuffer
        let lines: [LineBlock.Line]
        let start: UInt64
    }

    let maximumLineBytes: Int
    private var partial: [UInt8] = []
    private var partialStart: UInt64

    init(startOffset: UInt64, maximumLineBytes: Int) {
        self.partialStart = startOffset
        self.maximumLineBytes = max(1, maximumLineBytes)
    }

    var bufferedBytes: Int { partial.count }

    /// How much to read next so that the carried bytes and the read fill `chunkBytes` exactly (a
    /// buffer's capacity is a power of two, so `chunkBytes` of 64 KiB wastes nothing), unless the
    /// carry is longer than half of it.
    func readSize(chunkBytes: Int) -> Int {
        partial.count * 2 < chunkBytes ? chunkBytes - partial.count : chunkBytes
    }

    /// Lets `fill` append up to `count` bytes to a buffer that holds the carried bytes, and cuts
    /// the result into lines; nil when `fill` added nothing.
    mutating func read<Failure: Error>(
        atMost count: Int, _ fill: (inout ByteBuffer, Int) throws(Failure) -> Int
    ) throws(Failure) -> Read? {
        var buffer = ByteBufferAllocator().buffer(capacity: partial.count + count)
        buffer.writeBytes(partial)
        guard try fill(&buffer, count) > 0 else { return nil }
        let start = partialStart
        return Read(bytes: buffer, lines: cut(buffer), start: start)
    }

    /// `read` of bytes already in memory (copied once into the buffer).
    mutating func feed(_ bytes: some Collection<UInt8>) -> Read? {
        read(atMost: bytes.count) { buffer, _ in
            buffer.writeBytes(bytes)
            return bytes.count
        }
    }

    /// The unterminated tail as a record (for a file that will not grow any more), if any.
    mutating func flush() -> FileRecord? {
        guard !partial.isEmpty else { return nil }
        let record = FileRecord(text: String(decoding: partial, as: UTF8.self), start: partialStart,
                                end: partialStart + UInt64(partial.count))
        partialStart = record.end
        partial.removeAll(keepingCapacity: true)
        return record
    }

    /// The lines of `buffer` (which starts with the carried bytes, so at `partialStart`); what
    /// follows the last terminator is carried over.
    private mutating func cut(_ buffer: ByteBuffer) -> [LineBlock.Line] {
        let start = partialStart
        let maximum = maximumLineBytes
        var lines: [LineBlock.Line] = []
        let rest = buffer.withUnsafeReadableBytes { bytes -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            var lineStart = 0
            func pieces(before end: Int) {
                while end - lineStart > maximum {
                    lines.append(LineBlock.Line(offset: lineStart, count: maximum, end: start + UInt64(lineStart + maximum)))
                    lineStart += maximum
                }
            }
            // The carried bytes hold no terminator.
            var searchFrom = partial.count
            while searchFrom < bytes.count, let found = memchr(base + searchFrom, 0x0A, bytes.count - searchFrom) {
                let newline = base.distance(to: UnsafeRawPointer(found))
                pieces(before: newline)
                var count = newline - lineStart
                if count > 0, bytes[newline - 1] == UInt8(ascii: "\r") { count -= 1 }
                lines.append(LineBlock.Line(offset: lineStart, count: count, end: start + UInt64(newline + 1)))
                lineStart = newline + 1
                searchFrom = lineStart
            }
            pieces(before: bytes.count)
            partial = Array(bytes[lineStart...])
            return lineStart
        }
        partialStart = start + UInt64(rest)
        return lines
    }
}
