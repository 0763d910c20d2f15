import NIOCore
import NIOPosix

/// The few directory operations the log layer needs, over POSIX so no Foundation is required.
/// Failures throw `LogError.io` naming the operation and the path.
public enum FileSystem {
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` (and missing parents); an existing directory is fine.
    static func createDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        if let slash = path.dropLast().lastIndex(of: "/"), slash != path.startIndex {
            try createDirectory(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw LogError.io(operation: "mkdir", path: path, errno: errno)
        }
    }

    /// The entry names in a directory, without "." and "..", sorted.
    static func contents(of path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw LogError.io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw LogError.io(operation: "unlink", path: path, errno: errno)
        }
    }

    static func removeRecursively(_ path: String) throws {
        if isDirectory(path) {
            for name in try contents(of: path) { try removeRecursively(join(path, name)) }
            guard rmdir(path) == 0 || errno == ENOENT else {
                throw LogError.io(operation: "rmdir", path: path, errno: errno)
            }
        } else {
            try removeFile(path)
        }
    }

    static func rename(_ source: String, to destination: String) throws {
        guard NIOPosix.rename(source, destination) == 0 else {
            throw LogError.io(operation: "rename to \(destination)", path: source, errno: errno)
        }
    }

    static func syncDirectory(_ path: String) throws {
        try OpenFile.openDirectory(path).fsync()
    }

    /// The whole file, or nil when it does not exist.
    static func readFile(_ path: String) throws -> ByteBuffer? {
        guard exists(path) else { return nil }
        let file = try OpenFile.open(path, create: false)
        return try file.read(at: 0, count: file.size())
    }

    /// Replaces `path` so that a crash leaves either the old or the new content, never a mix:
    /// write a temporary file, fsync it, rename it over the target, fsync the directory. Without
    /// `durable` the fsyncs are skipped: a crash may then leave the old file, or a new one whose
    /// content is lost, so use it only for files that carry their own checksum and can be rebuilt.
    public static func writeAtomically(_ path: String, contents: ByteBuffer, durable: Bool = true) throws {
        let temporary = path + ".tmp"
        let file = try OpenFile.open(temporary, create: true)
        try file.truncate(to: 0)
        try file.write(contents, at: 0)
        if durable { try file.fsync() }
        try rename(temporary, to: path)
        if durable { try syncDirectory(directoryName(of: path)) }
    }

    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
