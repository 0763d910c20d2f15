import NIOCore

/// Splits a syslog TCP stream into messages (RFC 6587), deciding per frame: `LEN SP <…` is octet
/// counting, anything else is a line ending in LF (a CR before it is dropped). A frame longer than
/// `maximumFrameBytes` is cut there and the rest delivered as the next frame, so a peer that never
/// sends a newline cannot make the agent buffer without bound, and no byte is dropped.
public struct SyslogFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maximumFrameBytes: Int

    public init(maximumFrameBytes: Int = 64 * 1024) { self.maximumFrameBytes = max(1, maximumFrameBytes) }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = nextFrame(from: &buffer, atEnd: false) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while let frame = nextFrame(from: &buffer, atEnd: true) {
            context.fireChannelRead(wrapInboundOut(frame))
        }
        return .needMoreData
    }

    /// The next complete frame, consumed from `buffer`; at the end of the stream a trailing
    /// partial frame is returned as it is. Empty lines (a newline after an octet-counted frame,
    /// keep-alive blank lines) are skipped.
    public func nextFrame(from buffer: inout ByteBuffer, atEnd: Bool) -> ByteBuffer? {
        while buffer.readableBytes > 0 {
            switch octetCountingHeader(in: buffer) {
            case .needMoreData where !atEnd:
                return nil
            case .header(let headerLength, let messageLength):
                guard buffer.readableBytes >= headerLength + messageLength || atEnd else { return nil }
                buffer.moveReaderIndex(forwardBy: headerLength)
                return buffer.readSlice(length: min(messageLength, buffer.readableBytes))
            default:
                guard let line = nextLine(from: &buffer, atEnd: atEnd) else { return nil }
                if line.readableBytes > 0 { return line }
            }
        }
        return nil
    }

    private enum OctetCounting {
        case header(headerLength: Int, messageLength: Int)
        case notOctetCounting
        case needMoreData
    }

    private func octetCountingHeader(in buffer: ByteBuffer) -> OctetCounting {
        let view = buffer.readableBytesView
        var length = 0
        var index = view.startIndex
        while index < view.endIndex, view[index] >= UInt8(ascii: "0"), view[index] <= UInt8(ascii: "9") {
            length = length * 10 + Int(view[index] - UInt8(ascii: "0"))
            index += 1
            if index - view.startIndex > 9 { return .notOctetCounting }
        }
        guard index > view.startIndex, view[view.startIndex] != UInt8(ascii: "0") else { return .notOctetCounting }
        guard index + 1 < view.endIndex else { return .needMoreData }
        guard view[index] == UInt8(ascii: " "), view[index + 1] == UInt8(ascii: "<"), length <= maximumFrameBytes else {
            return .notOctetCounting
        }
        return .header(headerLength: index + 1 - view.startIndex, messageLength: length)
    }

    private func nextLine(from buffer: inout ByteBuffer, atEnd: Bool) -> ByteBuffer? {
        let view = buffer.readableBytesView
        if let newline = view.firstIndex(of: UInt8(ascii: "\n")), newline - view.startIndex <= maximumFrameBytes {
            guard var line = buffer.readSlice(length: newline - view.startIndex) else { return nil }
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
            return line
        }
        guard atEnd || buffer.readableBytes > maximumFrameBytes else { return nil }
        return buffer.readSlice(length: min(buffer.readableBytes, maximumFrameBytes))
    }
}
