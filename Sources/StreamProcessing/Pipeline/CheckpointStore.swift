import Foundation

/// Where checkpoints (processor state + the offsets it covers) are kept between runs.
public protocol CheckpointStore: Sendable {
    func load(pipeline: String) async throws -> PipelineSnapshot?
    /// Returns once the checkpoint is durable.
    func save(_ snapshot: PipelineSnapshot, atMillis: Int64) async throws
}

extension EmbeddedStore: CheckpointStore {
    public func load(pipeline: String) async throws -> PipelineSnapshot? {
        guard let data = try loadCheckpoint(pipeline: pipeline) else { return nil }
        return try JSONDecoder().decode(PipelineSnapshot.self, from: data)
    }

    public func save(_ snapshot: PipelineSnapshot, atMillis: Int64) async throws {
        try saveCheckpoint(try JSONEncoder().encode(snapshot), pipeline: snapshot.pipeline, savedAtMillis: atMillis)
    }
}

/// Checkpoints as one JSON file per pipeline in a directory, replaced atomically (write, fsync, rename).
public struct FileCheckpointStore: CheckpointStore {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    private func path(_ pipeline: String) -> URL {
        let safe = pipeline.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return URL(fileURLWithPath: directory).appendingPathComponent("\(String(safe)).checkpoint.json")
    }

    public func load(pipeline: String) async throws -> PipelineSnapshot? {
        let url = path(pipeline)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(PipelineSnapshot.self, from: Data(contentsOf: url))
        } catch {
            throw CheckpointError.unreadable(path: url.path, detail: String(describing: error))
        }
    }

    public func save(_ snapshot: PipelineSnapshot, atMillis: Int64) async throws {
        let url = path(snapshot.pipeline)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = url.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.unwritable(path: temporary.path, detail: "cannot create the file")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.write(contentsOf: try JSONEncoder().encode(snapshot))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            throw CheckpointError.unwritable(path: url.path, detail: String(cString: strerror(errno)))
        }
    }
}

public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, detail: String)
    case unwritable(path: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): return "checkpoint \(path) cannot be read: \(detail)"
        case .unwritable(let path, let detail): return "checkpoint \(path) cannot be written: \(detail)"
        }
    }
}
