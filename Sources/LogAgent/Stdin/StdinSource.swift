#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// Emits the lines read from a file descriptor (standard input by default) and ends at
/// end of input; an unterminated last line is emitted too. Reads happen on NIO's blocking thread
/// pool, waiting at most 200 ms at a time, so shutdown is noticed promptly even on a silent
/// terminal.
public final class StdinSource: EventSource {
    public let config: StdinSourceConfig
    private let host: String
    private let descriptor: CInt

    public init(config: StdinSourceConfig = StdinSourceConfig(), host: String, fileDescriptor: CInt = STDIN_FILENO) {
        self.config = config
        self.host = host
        self.descriptor = fileDescriptor
    }

    public func run(emitter: EventEmitter) async throws {
        var splitter = LineSplitter(startOffset: 0, maximumLineBytes: config.maximumLineBytes)
        while !Task.isCancelled {
            let chunk = try await NIOThreadPool.singleton.runIfActive { [descriptor] in try Self.readChunk(from: descriptor) }
            guard let bytes = chunk else { continue }
            let now = WallClock.nowMilliseconds()
            if let read = splitter.feed(bytes) {
                let block = LineBlock(bytes: read.bytes, lines: read.lines, timestamp: now, host: host, source: "stdin")
                guard await emitter.emit(EventBatch(lines: block, receipt: .untracked)) else { return }
            }
            if bytes.isEmpty, let last = splitter.flush() {
                await emitter.emit(EventBatch(lines: LineBlock(copying: [last], timestamp: now, host: host, source: "stdin"), receipt: .untracked))
            }
            guard !bytes.isEmpty else { return }
        }
    }

    public func shutdown() async throws {}

    /// Up to 64 KiB; empty at end of input; nil when nothing arrived within 200 ms.
    private static func readChunk(from descriptor: CInt) throws -> [UInt8]? {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, 200)
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno != EINTR { throw FileSourceError(operation: "read", path: "stdin (fd \(descriptor))", errno: errno) }
        }
    }
}
