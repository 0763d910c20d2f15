import Foundation

/// A metrics file replaced atomically (write a sibling, then rename), so a collector never reads half of it.
public struct MetricsFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func write(_ text: String) throws {
        let temporary = path + ".tmp"
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw MetricsFileError(path: temporary, detail: error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else { throw MetricsFileError(path: path, detail: String(cString: strerror(errno))) }
    }
}

public struct MetricsFileError: Error, CustomStringConvertible {
    public var path: String
    public var detail: String

    public var description: String { "metrics file \(path) cannot be written: \(detail)" }
}
