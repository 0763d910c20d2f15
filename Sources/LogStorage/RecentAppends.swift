import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Where a partition's newest appends sit in its active segment, kept in memory so a consumer at
/// the tail of the log is answered without file I/O: no batch-header reads, and for small appends
/// not even a descriptor — their bytes (as written, offsets stamped) are kept too, so the fetch
/// response is one write of one buffer. That also makes it one TCP segment instead of a header
/// write plus a sendfile, which with Nagle off reach a consumer as two wake-ups. The broker serves
/// caught-up consumers from it on the event loop, which spares a long-polling fetch two thread
/// hops per wake-up (the hops, not the bytes, are what a fetch of a few records costs).
///
/// Memory: bytes are kept for appends of at most `retainedAppendBytes`, and at most
/// `retainedBytesPerPartition` in all (older appends keep only their place in the file). Larger
/// appends are served from the file with sendfile, without a copy through Swift.
///
/// Its lock is separate from the partition lock and never held across file I/O, so a reader is
/// never stuck behind a slow write. The partition publishes each append after its write returned
/// (the bytes are in the page cache, so sendfile finds them), and republishes its offsets (dropping
/// the described appends) whenever the log changes in any other way: retention, truncation,
/// DeleteRecords, rolls, closing, or going offline.
final class RecentAppends: Sendable {
    /// One append: whole batches from `firstOffset` to `nextOffset`, contiguous in the file.
    struct Append: Sendable, Equatable {
        let firstOffset: Offset
        let nextOffset: Offset
        let position: Int
        let length: Int
    }

    private struct Entry {
        let append: Append
        /// The appended bytes, while they are kept.
        var bytes: ByteBuffer?
    }

    private struct State {
        /// nil while the partition is closed or offline: every read then goes to the files.
        var offsets: LogOffsets?
        var file: OpenFile?
        var entries: [Entry] = []
        var retainedBytes = 0

        mutating func dropOldest() {
            retainedBytes -= entries.removeFirst().bytes?.readableBytes ?? 0
        }

        /// Lets go of the oldest kept bytes until at most `limit` remain.
        mutating func trimBytes(to limit: Int) {
            var index = 0
            while retainedBytes > limit && index < entries.count {
                retainedBytes -= entries[index].bytes?.readableBytes ?? 0
                entries[index].bytes = nil
                index += 1
            }
        }
    }

    /// Enough for a consumer that is a few requests behind; older reads use the index.
    static let capacity = 64
    /// A typical linger.ms=0 batch is a few hundred bytes; big batches are served by sendfile.
    static let retainedAppendBytes = 16 * 1024
    static let retainedBytesPerPartition = 64 * 1024

    private let state = NIOLockedValueBox(State())

    /// Records an append of `bytes` to `file` (the active segment) and the offsets after it.
    func published(_ append: Append, bytes: ByteBuffer, in file: OpenFile, offsets: LogOffsets) {
        state.withLockedValue { state in
            if state.file !== file || state.entries.last.map({ $0.append.nextOffset != append.firstOffset || $0.append.position + $0.append.length != append.position }) == true {
                state = State(offsets: offsets)
                state.file = file
            }
            if state.entries.count == Self.capacity { state.dropOldest() }
            let kept = bytes.readableBytes <= Self.retainedAppendBytes ? Self.compact(bytes) : nil
            state.entries.append(Entry(append: append, bytes: kept))
            state.retainedBytes += kept?.readableBytes ?? 0
            state.trimBytes(to: Self.retainedBytesPerPartition)
            state.offsets = offsets
        }
    }

    /// Forgets the described appends and publishes `offsets` (nil: closed or offline).
    func reset(offsets: LogOffsets?) {
        state.withLockedValue { state in
            state = State(offsets: offsets)
        }
    }

    /// The read `PartitionLog.read` would return for a consumer at the tail, or nil when it needs
    /// the files: an offset inside an append or older than the described ones, an append larger
    /// than `maxBytes` (cutting it at a batch boundary needs the headers on disk; with `maxBytes` 0
    /// and no `minOneBatch` nothing is read), an offset out of range (the
    /// file path reports the error), or a closed log. The records are the kept bytes when every
    /// append read still has them, else a region of the file.
    func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) throws -> LogReadResult? {
        try state.withLockedValue { state -> LogReadResult? in
            guard let offsets = state.offsets, offset >= offsets.logStartOffset, offset <= offsets.logEndOffset else { return nil }
            let limit = offsets.limit(of: bound)
            let empty = LogReadResult(records: nil, firstOffset: nil, nextOffset: offset, offsets: offsets)
            guard offset < limit else { return empty }
            guard let file = state.file, let start = state.entries.firstIndex(where: { $0.append.firstOffset == offset }) else { return nil }
            var length = 0
            var next = offset
            var end = start
            for entry in state.entries[start...] where entry.append.nextOffset <= limit {
                guard length + entry.append.length <= maxBytes else { break }
                length += entry.append.length
                next = entry.append.nextOffset
                end += 1
            }
            guard length > 0 else { return maxBytes == 0 && !minOneBatch ? empty : nil }
            let read = state.entries[start..<end]
            let records: RecordsPayload
            if read.allSatisfy({ $0.bytes != nil }) {
                records = .memory(Self.joined(read.map { $0.bytes! }, length: length))
            } else {
                let position = state.entries[start].append.position
                records = .file(FileRegion(fileHandle: try file.duplicateHandle(), readerIndex: position, endIndex: position + length))
            }
            return LogReadResult(records: records, firstOffset: offset, nextOffset: next, offsets: offsets)
        }
    }

    /// `bytes` itself when it owns little more than its bytes, else a copy: a slice must not keep a
    /// whole request frame alive.
    private static func compact(_ bytes: ByteBuffer) -> ByteBuffer {
        bytes.storageCapacity <= 2 * bytes.readableBytes + 1024 ? bytes : ByteBuffer(buffer: bytes)
    }

    /// One append's bytes as they are; several copied into one buffer (at most the kept bytes).
    private static func joined(_ parts: [ByteBuffer], length: Int) -> ByteBuffer {
        if parts.count == 1 { return parts[0] }
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        for var part in parts { buffer.writeBuffer(&part) }
        return buffer
    }
}
