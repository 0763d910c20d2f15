import Foundation

/// Appends one JSON object per line to a file. `flush` fsyncs, so flushed rows survive a crash.
public actor FileSink: Sink {
    public nonisolated let name: String
    private let path: String
    private let input: SinkInput
    private var handle: FileHandle?

    public init(path: String, input: SinkInput) {
        self.name = "file \(path)"
        self.path = path
        self.input = input
    }

    public func prepare() async throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw FileSinkError.cannotCreate(path: path) }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        self.handle = handle
    }

    public func accept(_ output: ProcessorOutput, nowMillis: Int64) async throws {
        let rows = SinkRows.rows(for: input, from: output, includeAggregationName: true)
        guard !rows.isEmpty else { return }
        guard let handle else { throw FileSinkError.notPrepared(path: path) }
        try handle.write(contentsOf: Data(rows.map { SinkRows.jsonLine($0.fields) + "\n" }.joined().utf8))
    }

    public func flush() async throws {
        try handle?.synchronize()
    }
}

public enum FileSinkError: Error, Equatable, CustomStringConvertible {
    case cannotCreate(path: String)
    case notPrepared(path: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path): return "file sink: cannot create \(path)"
        case .notPrepared(let path): return "file sink \(path): written before prepare()"
        }
    }
}
