import Foundation
import NIOPosix

/// Reads lines (without their "\n") from a file or stdin. Reads happen in 64 KiB chunks on NIO's
/// blocking-I/O threads, so the cooperative pool never waits on a pipe.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// Opens `path`, or stdin when nil.
    convenience init(path: String?) throws {
        guard let path else {
            self.init(handle: .standardInput)
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure("cannot open \(path) for reading")
        }
        self.init(handle: handle)
    }

    /// The next line, or nil at the end of input; a last line without "\n" still counts.
    func next() async throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = newline + 1 }
                return Array(buffer[start..<newline])
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return Array(buffer[start...])
            }
            buffer.removeFirst(start)
            start = 0
            let handle = handle
            let chunk = try await NIOThreadPool.singleton.runIfActive { try handle.read(upToCount: 1 << 16) ?? Data() }
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

/// A command failure with a message for the operator (ArgumentParser prints it after "Error: ").
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
