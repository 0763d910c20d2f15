import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where reading of one file should resume: the byte after the last line whose delivery was
/// acknowledged, for the file with this device, inode and fingerprint.
public struct FileCheckpoint: Codable, Equatable, Sendable {
    public var key: FileKey
    public var fingerprint: FileFingerprint
    public var offset: UInt64
    /// Where the file was last seen; informational (files are matched by identity, not path).
    public var path: String
}

/// Persists checkpoints as one JSON file, replaced atomically (temporary file, fsync, rename,
/// fsync of the directory), so a crash leaves the previous or the new set, never a torn one.
public struct CheckpointStore: Sendable {
    public let path: String

    private struct Contents: Codable {
        var version: Int
        var files: [FileCheckpoint]
    }

    public init(path: String) { self.path = path }

    /// The saved checkpoints; none when the file does not exist yet. A file that cannot be read
    /// or decoded throws (naming it) rather than silently re-reading every log from the start.
    public func load() throws -> [FileCheckpoint] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let contents = try JSONDecoder().decode(Contents.self, from: data)
            guard contents.version == 1 else {
                throw FileSourceError(operation: "read checkpoints (unknown version \(contents.version)) from", path: path, errno: EINVAL)
            }
            return contents.files
        } catch let error as FileSourceError {
            throw error
        } catch {
            throw FileSourceError(operation: "read checkpoints (\(error)) from", path: path, errno: EINVAL)
        }
    }

    public func save(_ checkpoints: [FileCheckpoint]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(Contents(version: 1, files: checkpoints))
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp"
        try writeSynced(data, to: temporary)
        guard rename(temporary, path) == 0 else { throw FileSourceError(operation: "rename \(temporary) to", path: path, errno: errno) }
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    private func writeSynced(_ data: Data, to file: String) throws {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSourceError(operation: "create", path: file, errno: errno) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var written = 0
            while written < buffer.count {
                let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw FileSourceError(operation: "write", path: file, errno: errno)
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw FileSourceError(operation: "fsync", path: file, errno: errno) }
    }

    private func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSourceError(operation: "open directory", path: directory, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSourceError(operation: "fsync directory", path: directory, errno: errno) }
    }
}
