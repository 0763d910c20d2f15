import Foundation
import KafkaProtocol
import LogStorage
import NIOConcurrencyHelpers
import NIOCore

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
                try FileSystem.writeAtomically(file.path, contents: ByteBuffer(string: "\(end)\n"))
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
