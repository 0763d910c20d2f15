import KafkaProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Where a partition's newest appends sit in its active segment, kept in memory so a consumer at
/// the tail of the log is answered without file I/O: no batch-header reads, only a `dup` of the
/// segment's descriptor. The broker serves caught-up consumers from it on the event loop, which
/// spares a long-polling fetch two thread hops per wake-up (the hops, not the bytes, are what a
/// fetch of a few records costs).
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

    private struct State {
        /// nil while the partition is closed or offline: every read then goes to the files.
        var offsets: LogOffsets?
        var file: OpenFile?
        var appends: [Append] = []
    }

    /// Enough for a consumer that is a few requests behind; older reads use the index.
    static let capacity = 64

    private let state = NIOLockedValueBox(State())

    /// Records an append to `file` (the active segment) and the offsets after it.
    func published(_ append: Append, in file: OpenFile, offsets: LogOffsets) {
        state.withLockedValue { state in
            if state.file !== file || state.appends.last.map({ $0.nextOffset != append.firstOffset || $0.position + $0.length != append.position }) == true {
                state.appends.removeAll(keepingCapacity: true)
                state.file = file
            }
            if state.appends.count == Self.capacity { state.appends.removeFirst() }
            state.appends.append(append)
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
    /// file path reports the error), or a closed log.
    func read(from offset: Offset, maxBytes: Int, upTo bound: ReadBound, minOneBatch: Bool) throws -> LogReadResult? {
        try state.withLockedValue { state -> LogReadResult? in
            guard let offsets = state.offsets, offset >= offsets.logStartOffset, offset <= offsets.logEndOffset else { return nil }
            let limit = offsets.limit(of: bound)
            let empty = LogReadResult(region: nil, firstOffset: nil, nextOffset: offset, offsets: offsets)
            guard offset < limit else { return empty }
            guard let file = state.file, let start = state.appends.firstIndex(where: { $0.firstOffset == offset }) else { return nil }
            let first = state.appends[start]
            var length = 0
            var next = offset
            for append in state.appends[start...] where append.nextOffset <= limit {
                guard length + append.length <= maxBytes else { break }
                length += append.length
                next = append.nextOffset
            }
            guard length > 0 else { return maxBytes == 0 && !minOneBatch ? empty : nil }
            let region = FileRegion(fileHandle: try file.duplicateHandle(), readerIndex: first.position, endIndex: first.position + length)
            return LogReadResult(region: region, firstOffset: offset, nextOffset: next, offsets: offsets)
        }
    }
}
