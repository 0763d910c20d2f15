import Foundation
import KafkaProtocol
import NIOConcurrencyHelpers

/// Hands out producer ids for InitProducerId that stay unique across restarts: ids are reserved in
/// blocks whose end is persisted before the first id of the block is used, so a crash can skip ids
/// but never reuse one.
final class ProducerIDAllocator: Sendable {
    private struct State {
        var next: Int64
        var blockEnd: Int64
    }

    static let blockSize: Int64 = 1000
    private let file: URL
    private let state: NIOLockedValueBox<State>

    init(directory: URL) throws {
        file = directory.appendingPathComponent("producer-id-block")
        var reserved: Int64 = 0
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            guard let value = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)), value >= 0 else {
                throw BrokerStartupError("\(file.path) is corrupt (expected one integer); restore it or delete it only if no idempotent producer state must be kept")
            }
            reserved = value
        }
        state = NIOLockedValueBox(State(next: reserved, blockEnd: reserved))
    }

    func next() throws -> ProducerID {
        try state.withLockedValue { state in
            if state.next >= state.blockEnd {
                let end = state.next + Self.blockSize
                try DurableFile.write(Data("\(end)\n".utf8), to: file)
                state.blockEnd = end
            }
            defer { state.next += 1 }
            return ProducerID(state.next)
        }
    }
}

/// The broker cannot start: what is wrong and what to do about it.
public struct BrokerStartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Small metadata files replaced atomically: write a temporary file, fsync, rename, fsync the folder.
enum DurableFile {
    static func write(_ data: Data, to url: URL) throws {
        let temporary = url.appendingPathExtension("tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BrokerStartupError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            throw BrokerStartupError("cannot write \(temporary.path): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw BrokerStartupError("cannot rename \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))")
        }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
