import NIOCore

/// The bytes of a `records` field. Produce requests and decoded fetch responses carry
/// them in memory; the broker answers fetches with a region of a segment file so the
/// kernel copies it straight to the socket (sendfile) without passing through Swift.
public enum RecordsPayload: Sendable {
    case memory(ByteBuffer)
    case file(FileRegion)

    public var byteCount: Int {
        switch self {
        case .memory(let buffer): return buffer.readableBytes
        case .file(let region): return region.readableBytes
        }
    }

    /// The in-memory bytes; nil for a file region.
    public var buffer: ByteBuffer? {
        if case .memory(let buffer) = self { return buffer }
        return nil
    }
}

extension RecordsPayload: Equatable {
    public static func == (lhs: RecordsPayload, rhs: RecordsPayload) -> Bool {
        switch (lhs, rhs) {
        case (.memory(let a), .memory(let b)): return a == b
        case (.file(let a), .file(let b)):
            return a.fileHandle === b.fileHandle && a.readerIndex == b.readerIndex && a.endIndex == b.endIndex
        default: return false
        }
    }
}
