#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes each event, encoded, as one line to standard output and acknowledges it once written.
public struct ConsoleSink: EventSink {
    public let encoding: EventEncoding

    public init(encoding: EventEncoding = .json) { self.encoding = encoding }

    public func write(_ batch: EventBatch) async throws {
        var output: [UInt8] = []
        var encoder = EventEncoding.Encoder(encoding)
        for event in batch.events {
            encoder.encode(event.event, into: &output)
            output.append(UInt8(ascii: "\n"))
        }
        var written = 0
        while written < output.count {
            let count = output.withUnsafeBytes { writeToDescriptor(STDOUT_FILENO, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSourceError(operation: "write", path: "stdout", errno: errno)
            }
            written += count
        }
        batch.acknowledgeAll()
    }

    public func close() async throws {}
}

#if canImport(Glibc)
private let writeToDescriptor = Glibc.write
#elseif canImport(Darwin)
private let writeToDescriptor = Darwin.write
#endif
