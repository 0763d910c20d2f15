import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Where a record sits in a disk buffer: its segment and its first byte. Ordered as written.
public struct BufferPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let segment: UInt64
    public let offset: Int

    public static func < (lhs: BufferPosition, rhs: BufferPosition) -> Bool {
        (lhs.segment, lhs.offset) < (rhs.segment, rhs.offset)
    }

    public var description: String { "segment \(segment) byte \(offset)" }
}

/// What acknowledges one record read from a disk buffer. A ticket from before a `rewind()` is
/// stale and acknowledges nothing: the record was read again and only its new ticket counts.
public struct BufferTicket: Sendable, Hashable {
    public let position: BufferPosition
    let epoch: Int
}

/// One record read from a disk buffer, to be acknowledged with its ticket once delivered.
public struct BufferedRecord: Sendable {
    public let ticket: BufferTicket
    public let payload: ArraySlice<UInt8>
}

/// A first-in first-out queue of byte records in segment files under one directory, bounded by
/// `maxBytes` of records not yet acknowledged. The synchronous, lock-guarded core of a sink's
/// disk buffer (`DiskBufferedSink` runs it off the cooperative pool and adds waiting).
///
/// Guarantees:
/// - Order: records are read in the order they were appended, including after a restart.
/// - Durability: `sync()` makes everything appended before it survive a crash (fsync of the
///   segment; a new segment's directory entry is synced when it is created). Only synced records
///   are handed to the reader, so an acknowledgement never covers bytes a crash could take away.
/// - Acknowledgement: records may be acknowledged in any order; the acknowledged position (saved
///   in the `ledger` file) moves over the contiguous acknowledged prefix, and a segment file is
///   deleted once the position has passed its end. After a restart, reading resumes at the saved
///   position: records acknowledged after the last ledger save are read again (at-least-once).
/// - Recovery: the last segment is scanned at open; a torn or corrupt tail (bad length or CRC-32C)
///   is truncated with a warning, never a crash. Writing always continues in a new segment.
/// - Capacity: `append` refuses a batch (returns false) while the unacknowledged bytes plus the
///   batch would exceed `maxBytes`, unless nothing is unacknowledged (so one oversized batch still
///   passes). Disk use can exceed `maxBytes` by the acknowledged part of the oldest segment.
public final class DiskBuffer: Sendable {
    public let directory: String
    public let maxBytes: Int
    public let segmentBytes: Int
    private let logger: Logger
    private let state: NIOLockedValueBox<State>
    /// Bytes read from a segment at once.
    private static let readChunkBytes = 1 << 20

    private struct InFlight {
        let position: BufferPosition
        let end: BufferPosition
        var acknowledged = false
    }

    private struct State {
        /// Segment id → bytes in the file, for every segment file present.
        var segmentSizes: [UInt64: Int] = [:]
        var writeSegment: UInt64 = 0
        var writeFD: Int32 = -1
        var durable = BufferPosition(segment: 0, offset: 0)
        var unsyncedBytes = 0
        var readCursor = BufferPosition(segment: 0, offset: 0)
        var readFD: (segment: UInt64, fd: Int32)?
        var inFlight = CircularBuffer<InFlight>()
        var acknowledged = BufferPosition(segment: 0, offset: 0)
        /// Bumped by `rewind()`, so tickets handed out before it acknowledge nothing.
        var epoch = 0
        var ledgerDirty = false
        var closed = false

        var storedBytes: Int { segmentSizes.values.reduce(0, +) }

        var unacknowledgedBytes: Int { storedBytes - (segmentSizes[acknowledged.segment] == nil ? 0 : acknowledged.offset) }

        /// Where reading starts over: the acknowledged position, or the next segment when that
        /// one is gone (fully acknowledged and deleted).
        var firstUnacknowledged: BufferPosition {
            if segmentSizes[acknowledged.segment] != nil { return acknowledged }
            let next = segmentSizes.keys.filter { $0 > acknowledged.segment }.min() ?? writeSegment
            return BufferPosition(segment: next, offset: 0)
        }
    }

    /// Opens (creating it if needed) the buffer in `directory`, recovering what a previous run
    /// left: torn tails are truncated and reading resumes at the saved acknowledged position.
    /// `segmentBytes` defaults to an eighth of `maxBytes`, between 64 KiB and 32 MiB (the start-up
    /// scan reads the last segment whole, so this also bounds its memory).
    public init(directory: String, maxBytes: Int, segmentBytes: Int? = nil, logger: Logger = Logger(label: "logport.agent.buffer")) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.segmentBytes = segmentBytes ?? min(max(maxBytes / 8, 64 << 10), 32 << 20)
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DiskBufferError(path: directory, operation: "create directory", reason: error.localizedDescription)
        }
        var recovered = State()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for id in names.compactMap(Self.segmentID(fromName:)) {
            recovered.segmentSizes[id] = try BufferFiles.size(of: Self.segmentPath(directory, id))
        }
        state = NIOLockedValueBox(recovered)
        try state.withLockedValue { state throws in
            if let last = state.segmentSizes.keys.max() {
                try truncateTornTail(of: last, in: &state)
            }
            try restoreAcknowledgedPosition(in: &state)
            // Never append to a recovered segment, and never reuse an id the ledger may name.
            try startSegment(max(state.segmentSizes.keys.max() ?? 0, state.acknowledged.segment) + 1, in: &state)
            state.readCursor = state.firstUnacknowledged
        }
        let stored = state.withLockedValue { $0.unacknowledgedBytes }
        if stored > 0 {
            logger.info("disk buffer holds records from a previous run; shipping them first",
                        metadata: ["directory": "\(directory)", "bytes": "\(stored)"])
        }
    }

    /// Bytes of records not yet acknowledged.
    public var unacknowledgedBytes: Int { state.withLockedValue { $0.unacknowledgedBytes } }

    /// Bytes appended since the last `sync()`.
    public var unsyncedBytes: Int { state.withLockedValue { $0.unsyncedBytes } }

    /// Records handed to the reader and not yet acknowledged.
    public var inFlightCount: Int { state.withLockedValue { $0.inFlight.count } }

    /// Appends the payloads as one write, or returns false (nothing written) when the buffer is
    /// full. Not durable until `sync()`.
    public func append(_ payloads: [[UInt8]]) throws -> Bool {
        guard !payloads.isEmpty else { return true }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payloads.reduce(0) { $0 + $1.count + BufferRecordFraming.headerBytes })
        for payload in payloads { BufferRecordFraming.append(payload, to: &bytes) }
        return try state.withLockedValue { state throws -> Bool in
            guard !state.closed else { throw DiskBufferError(path: directory, operation: "append to", reason: "the buffer is closed") }
            let pending = state.unacknowledgedBytes
            guard pending == 0 || pending + bytes.count <= maxBytes else { return false }
            let size = state.segmentSizes[state.writeSegment] ?? 0
            if size > 0 && size + bytes.count > segmentBytes {
                try startSegment(state.writeSegment + 1, in: &state)
            }
            let path = Self.segmentPath(directory, state.writeSegment)
            let start = state.segmentSizes[state.writeSegment] ?? 0
            do {
                try BufferFiles.writeAll(bytes, to: state.writeFD, path: path)
            } catch {
                // Cut off a partial write so later records do not follow garbage.
                try? BufferFiles.truncate(state.writeFD, to: start, path: path)
                _ = lseek(state.writeFD, off_t(start), SEEK_SET)
                throw error
            }
            state.segmentSizes[state.writeSegment] = start + bytes.count
            state.unsyncedBytes += bytes.count
            return true
        }
    }

    /// Makes every appended record durable and readable.
    public func sync() throws {
        try state.withLockedValue { state throws in
            guard !state.closed, state.unsyncedBytes > 0 else { return }
            try BufferFiles.sync(state.writeFD, path: Self.segmentPath(directory, state.writeSegment))
            state.durable = BufferPosition(segment: state.writeSegment, offset: state.segmentSizes[state.writeSegment] ?? 0)
            state.unsyncedBytes = 0
        }
    }

    /// Up to `maxCount` durable records after the last one read, in order; empty when there are
    /// none yet. A record that fails its checksum here (damage after it was written) ends its
    /// segment: the rest of that segment is skipped with an error logged.
    public func read(maxCount: Int) throws -> [BufferedRecord] {
        try state.withLockedValue { state throws -> [BufferedRecord] in
            var records: [BufferedRecord] = []
            while records.count < maxCount, !state.closed {
                let segment = state.readCursor.segment
                let readableEnd = segment == state.durable.segment ? state.durable.offset : (state.segmentSizes[segment] ?? 0)
                if state.readCursor.offset >= readableEnd {
                    guard segment < state.durable.segment,
                        let next = state.segmentSizes.keys.filter({ $0 > segment }).min()
                    else { break }
                    state.readCursor = BufferPosition(segment: next, offset: 0)
                    continue
                }
                try readRecords(upTo: readableEnd, maxCount: maxCount, into: &records, state: &state)
            }
            return records
        }
    }

    /// Marks a record read earlier as delivered. Returns true when this freed buffer space (the
    /// acknowledged position moved), so a waiting writer may try again.
    @discardableResult
    public func acknowledge(_ ticket: BufferTicket) -> Bool {
        let position = ticket.position
        return state.withLockedValue { state -> Bool in
            guard ticket.epoch == state.epoch else { return false }
            var low = state.inFlight.startIndex
            var high = state.inFlight.endIndex
            while low < high {
                let middle = state.inFlight.index(low, offsetBy: state.inFlight.distance(from: low, to: high) / 2)
                if state.inFlight[middle].position < position { low = state.inFlight.index(after: middle) } else { high = middle }
            }
            guard low < state.inFlight.endIndex, state.inFlight[low].position == position, !state.inFlight[low].acknowledged else {
                return false
            }
            state.inFlight[low].acknowledged = true
            var moved = false
            while let first = state.inFlight.first, first.acknowledged {
                state.acknowledged = first.end
                state.inFlight.removeFirst()
                moved = true
            }
            if moved {
                state.ledgerDirty = true
                removeAcknowledgedSegments(in: &state)
            }
            return moved
        }
    }

    /// Forgets what was read but not acknowledged: the next `read` starts again at the first
    /// unacknowledged record (after a delivery failure; records acknowledged out of order past
    /// it are read again too).
    public func rewind() {
        state.withLockedValue { state in
            state.inFlight.removeAll()
            state.epoch += 1
            state.readCursor = state.firstUnacknowledged
        }
    }

    /// Saves the acknowledged position if it moved since the last save. Losing a save only makes
    /// a restart read some acknowledged records again, so it is not fsynced.
    public func saveLedger() throws {
        try state.withLockedValue { state throws in
            guard state.ledgerDirty else { return }
            try writeLedger(state.acknowledged)
            state.ledgerDirty = false
        }
    }

    /// Syncs, saves the ledger and closes the files. Further calls do nothing.
    public func close() throws {
        try sync()
        try saveLedger()
        state.withLockedValue { state in
            guard !state.closed else { return }
            state.closed = true
            BufferFiles.close(state.writeFD)
            if let reader = state.readFD { BufferFiles.close(reader.fd) }
            state.readFD = nil
        }
    }

    deinit {
        state.withLockedValue { state in
            guard !state.closed else { return }
            BufferFiles.close(state.writeFD)
            if let reader = state.readFD { BufferFiles.close(reader.fd) }
        }
    }

    // MARK: - Under the lock

    /// Appends records of the read cursor's segment to `records` until it holds `maxCount`.
    private func readRecords(upTo readableEnd: Int, maxCount: Int, into records: inout [BufferedRecord], state: inout State) throws {
        let segment = state.readCursor.segment
        let path = Self.segmentPath(directory, segment)
        let fd: Int32
        if let reader = state.readFD, reader.segment == segment {
            fd = reader.fd
        } else {
            if let reader = state.readFD { BufferFiles.close(reader.fd) }
            state.readFD = nil
            fd = try BufferFiles.open(path, flags: O_RDONLY)
            state.readFD = (segment, fd)
        }
        let start = state.readCursor.offset
        var chunk = try BufferFiles.read(fd, count: min(readableEnd - start, Self.readChunkBytes), at: start, path: path)
        var index = 0
        while records.count < maxCount {
            switch BufferRecordFraming.frame(in: chunk, at: index) {
            case .record(let payload, let next):
                let position = BufferPosition(segment: segment, offset: start + index)
                let end = BufferPosition(segment: segment, offset: start + next)
                records.append(BufferedRecord(ticket: BufferTicket(position: position, epoch: state.epoch), payload: chunk[payload]))
                state.inFlight.append(InFlight(position: position, end: end))
                index = next
            case .incomplete where start + chunk.count < readableEnd:
                guard index == 0 else {
                    state.readCursor = BufferPosition(segment: segment, offset: start + index)
                    return
                }
                // A record larger than one chunk: read exactly it.
                let length = chunk.count >= 4 ? Int(chunk[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) : 0
                let wanted = min(BufferRecordFraming.headerBytes + length, readableEnd - start)
                guard wanted > chunk.count else { return skipDamagedSegment(at: start, upTo: readableEnd, state: &state) }
                chunk = try BufferFiles.read(fd, count: wanted, at: start, path: path)
                continue
            case .incomplete where start + index == readableEnd:
                state.readCursor = BufferPosition(segment: segment, offset: readableEnd)
                return
            case .incomplete, .corrupt:
                return skipDamagedSegment(at: start + index, upTo: readableEnd, state: &state)
            }
        }
        state.readCursor = BufferPosition(segment: segment, offset: start + index)
    }

    private func skipDamagedSegment(at offset: Int, upTo readableEnd: Int, state: inout State) {
        logger.error("disk buffer record failed its checksum; skipping the rest of the segment (those events are lost)", metadata: [
            "file": "\(Self.segmentPath(directory, state.readCursor.segment))", "offset": "\(offset)",
            "skipped_bytes": "\(readableEnd - offset)",
        ])
        state.readCursor = BufferPosition(segment: state.readCursor.segment, offset: readableEnd)
    }

    private func removeAcknowledgedSegments(in state: inout State) {
        let done = state.segmentSizes.filter { id, size in
            id != state.writeSegment && (id < state.acknowledged.segment || (id == state.acknowledged.segment && state.acknowledged.offset >= size))
        }
        for id in done.keys.sorted() {
            if state.readFD?.segment == id, let reader = state.readFD {
                BufferFiles.close(reader.fd)
                state.readFD = nil
            }
            do {
                try BufferFiles.remove(Self.segmentPath(directory, id))
                state.segmentSizes[id] = nil
            } catch {
                logger.error("cannot delete a delivered disk buffer segment; it still counts against max_size",
                             metadata: ["error": "\(error)"])
            }
        }
    }

    private func startSegment(_ id: UInt64, in state: inout State) throws {
        if state.writeFD >= 0 {
            try BufferFiles.sync(state.writeFD, path: Self.segmentPath(directory, state.writeSegment))
            BufferFiles.close(state.writeFD)
            state.writeFD = -1
        }
        let path = Self.segmentPath(directory, id)
        state.writeFD = try BufferFiles.open(path, flags: O_WRONLY | O_CREAT | O_APPEND)
        try BufferFiles.syncDirectory(directory)
        state.writeSegment = id
        state.segmentSizes[id] = 0
        state.durable = BufferPosition(segment: id, offset: 0)
        state.unsyncedBytes = 0
        removeAcknowledgedSegments(in: &state)
    }

    private func truncateTornTail(of id: UInt64, in state: inout State) throws {
        let path = Self.segmentPath(directory, id)
        let fd = try BufferFiles.open(path, flags: O_RDWR)
        defer { BufferFiles.close(fd) }
        let bytes = try BufferFiles.read(fd, count: state.segmentSizes[id] ?? 0, at: 0, path: path)
        var valid = 0
        while case .record(_, let next) = BufferRecordFraming.frame(in: bytes, at: valid) { valid = next }
        guard valid < bytes.count else { return }
        logger.warning("""
            disk buffer segment has a torn or corrupt tail (the agent stopped mid-write); truncating it. \
            Those events were not yet acknowledged to their source, which reads them again
            """, metadata: [
            "file": "\(path)", "valid_bytes": "\(valid)", "truncated_bytes": "\(bytes.count - valid)",
        ])
        try BufferFiles.truncate(fd, to: valid, path: path)
        try BufferFiles.sync(fd, path: path)
        state.segmentSizes[id] = valid
    }

    private func restoreAcknowledgedPosition(in state: inout State) throws {
        let first = state.segmentSizes.keys.min() ?? 1
        var position = BufferPosition(segment: first, offset: 0)
        let ledgerPath = directory + "/ledger"
        if let text = try? String(contentsOfFile: ledgerPath, encoding: .utf8) {
            let parts = text.split(whereSeparator: \.isWhitespace)
            if parts.count == 2, let segment = UInt64(parts[0]), let offset = Int(parts[1]), offset >= 0 {
                let saved = BufferPosition(segment: segment, offset: offset)
                if let size = state.segmentSizes[segment] {
                    position = BufferPosition(segment: segment, offset: min(offset, size))
                } else if saved > position {
                    position = BufferPosition(segment: segment, offset: 0)
                }
            } else {
                logger.warning("disk buffer ledger is unreadable; shipping the whole buffer again (duplicates possible)",
                               metadata: ["file": "\(ledgerPath)"])
            }
        }
        state.acknowledged = position
        removeAcknowledgedSegments(in: &state)
    }

    private func writeLedger(_ position: BufferPosition) throws {
        try BufferFiles.replace(directory + "/ledger", with: Array("\(position.segment) \(position.offset)\n".utf8))
    }

    static func segmentPath(_ directory: String, _ id: UInt64) -> String {
        let digits = String(id)
        return directory + "/segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".buf"
    }

    private static func segmentID(fromName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".buf") else { return nil }
        return UInt64(name.dropFirst("segment-".count).dropLast(".buf".count))
    }
}
