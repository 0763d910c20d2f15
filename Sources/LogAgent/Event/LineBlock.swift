import NIOCore

/// Lines read together from one source, kept in one buffer as they were read: what the file and
/// stdin sources emit. A line becomes a `LogEvent` (a String and a struct) only when a component
/// asks for events; a sink that ships lines as they are (Kafka with `encoding: raw`) reads their
/// bytes in place, so a line read from a file is not copied on its way to librdkafka.
public struct LineBlock: Sendable {
    /// One line: `count` bytes at `offset` in the block's bytes (without its terminator). `end` is
    /// the source's offset right after the line (a file's: after its terminator), which is what
    /// acknowledging every line up to this one means to the source.
    public struct Line: Sendable, Equatable {
        public var offset: Int
        public var count: Int
        public var end: UInt64

        public init(offset: Int, count: Int, end: UInt64) {
            self.offset = offset
            self.count = count
            self.end = end
        }
    }

    /// The lines' bytes; `Line.offset` counts from its reader index.
    public let bytes: ByteBuffer
    public let lines: [Line]
    /// When the lines were read (milliseconds since the epoch): their events' timestamp.
    public let timestamp: Int64
    public let host: String
    public let source: String
    /// Bytes of line text (terminators excluded), over all lines.
    public let textBytes: Int

    public init(bytes: ByteBuffer, lines: [Line], timestamp: Int64, host: String, source: String) {
        precondition(lines.allSatisfy { $0.offset >= 0 && $0.count >= 0 && $0.offset + $0.count <= bytes.readableBytes },
                     "a line lies outside its block's bytes")
        self.bytes = bytes
        self.lines = lines
        self.timestamp = timestamp
        self.host = host
        self.source = source
        textBytes = lines.reduce(0) { $0 + $1.count }
    }

    public var count: Int { lines.count }

    /// Calls `body` with the bytes of `line`, in place.
    public func withBytes<Result>(of line: Line, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try bytes.withUnsafeReadableBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[line.offset..<line.offset + line.count]))
        }
    }

    /// The text of `line` (invalid UTF-8 repaired, as everywhere in the agent).
    public func text(of line: Line) -> String {
        withBytes(of: line) { String(decoding: $0, as: UTF8.self) }
    }

    /// The event the line at `index` stands for: the line as message and raw, read at `timestamp`.
    public func event(at index: Int) -> LogEvent {
        LogEvent(timestamp: timestamp, host: host, source: source, message: text(of: lines[index]))
    }

    /// What the block holds in memory, for buffer limits: its bytes plus the line table.
    var approximateBytes: Int { bytes.readableBytes + MemoryLayout<Line>.stride * lines.count + 64 }
}

extension LineBlock {
    /// A block of records that are not in one buffer yet (joined multiline records, an unterminated
    /// line carried over from earlier reads), copied into a new one.
    init(copying records: [FileRecord], timestamp: Int64, host: String, source: String) {
        var bytes = ByteBufferAllocator().buffer(capacity: records.reduce(0) { $0 + $1.text.utf8.count })
        var lines: [Line] = []
        lines.reserveCapacity(records.count)
        for record in records {
            lines.append(Line(offset: bytes.readableBytes, count: record.text.utf8.count, end: record.end))
            bytes.writeString(record.text)
        }
        self.init(bytes: bytes, lines: lines, timestamp: timestamp, host: host, source: source)
    }
}
