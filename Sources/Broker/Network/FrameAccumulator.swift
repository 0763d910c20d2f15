import NIOCore

/// Splits a TCP byte stream into Kafka request frames (a 4-byte big-endian size, then the frame).
/// Pure state machine, so framing is tested without a socket. It rejects a size prefix that is
/// negative, too small for a request header, or above `socket.request.max.bytes` before buffering
/// a single byte of the body.
struct FrameAccumulator {
    enum Event: Equatable {
        /// A complete frame (without its size prefix).
        case frame(ByteBuffer)
        /// The next frame's size is known but not all of it has arrived; `size` is what it will hold.
        case needMore(declaredSize: Int?)
    }

    struct FrameError: Error, CustomStringConvertible {
        let declaredSize: Int32
        let maxBytes: Int
        var description: String {
            declaredSize < 0 || declaredSize < FrameAccumulator.minimumFrameSize
                ? "invalid request size \(declaredSize) (corrupt or non-Kafka traffic)"
                : "request of \(declaredSize) bytes exceeds socket.request.max.bytes=\(maxBytes)"
        }
    }

    /// api key + api version + correlation id + client id length.
    static let minimumFrameSize: Int32 = 10

    let maxFrameBytes: Int
    private var buffer: ByteBuffer?

    init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    var bufferedBytes: Int { buffer?.readableBytes ?? 0 }

    mutating func append(_ bytes: inout ByteBuffer) {
        if buffer == nil || buffer!.readableBytes == 0 {
            buffer = bytes
        } else {
            buffer!.writeBuffer(&bytes)
        }
    }

    /// The next complete frame, or what is still missing. Throws on a size prefix no Kafka client sends.
    mutating func next() throws -> Event {
        guard var current = buffer, let size = current.getInteger(at: current.readerIndex, as: Int32.self) else {
            return .needMore(declaredSize: nil)
        }
        guard size >= Self.minimumFrameSize, Int(size) <= maxFrameBytes else {
            throw FrameError(declaredSize: size, maxBytes: maxFrameBytes)
        }
        guard current.readableBytes >= 4 + Int(size) else { return .needMore(declaredSize: Int(size)) }
        current.moveReaderIndex(forwardBy: 4)
        let frame = current.readSlice(length: Int(size))!
        buffer = current.readableBytes == 0 ? nil : current
        return .frame(frame)
    }
}
