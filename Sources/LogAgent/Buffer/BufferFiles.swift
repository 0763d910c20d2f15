import Glibc


/// A disk buffer file operation that failed, naming the file and the system's reason.
public struct DiskBufferError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let reason: String

    init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    init(path: String, operation: String, code: Int32) {
        self.init(path: path, operation: operation, reason: "\(String(cString: strerror(code))) (errno \(code))")
    }

    public var description: String { "disk buffer: \(operation) \(path) failed: \(reason)" }
}

/// The few POSIX file calls the disk buffer needs, with EINTR retried and failures thrown as
/// `DiskBufferError`. Blocking: callers run them off the cooperative pool and event loops.
enum BufferFiles {
    static func open(_ path: String, flags: Int32) throws(DiskBufferError) -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw DiskBufferError(path: path, operation: "open", code: errno) }
        return fd
    }

    static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(DiskBufferError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                retrying { Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
            }
            guard result > 0 else { throw DiskBufferError(path: path, operation: "write", code: result < 0 ? errno : EIO) }
            written += result
        }
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    static func read(_ fd: Int32, count: Int, at offset: Int, path: String) throws(DiskBufferError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { raw in
                retrying { pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset + filled)) }
            }
            guard result >= 0 else { throw DiskBufferError(path: path, operation: "read", code: errno) }
            if result == 0 { break }
            filled += result
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    static func sync(_ fd: Int32, path: String) throws(DiskBufferError) {
        guard retrying({ fsync(fd) }) == 0 else { throw DiskBufferError(path: path, operation: "fsync", code: errno) }
    }

    /// Makes a created, renamed or removed directory entry durable.
    static func syncDirectory(_ path: String) throws(DiskBufferError) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { Glibc.close(fd) }
        try sync(fd, path: path)
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws(DiskBufferError) {
        guard retrying({ ftruncate(fd, off_t(length)) }) == 0 else {
            throw DiskBufferError(path: path, operation: "truncate", code: errno)
        }
    }

    static func size(of path: String) throws(DiskBufferError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw DiskBufferError(path: path, operation: "stat", code: errno) }
        return Int(info.st_size)
    }

    static func remove(_ path: String) throws(DiskBufferError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw DiskBufferError(path: path, operation: "remove", code: errno) }
    }

    /// Replaces `path` with `bytes` atomically (write a temporary file, then rename it over).
    static func replace(_ path: String, with bytes: [UInt8]) throws(DiskBufferError) {
        let temporary = path + ".tmp"
        let fd = try open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { Glibc.close(fd) }
        try writeAll(bytes, to: fd, path: temporary)
        guard rename(temporary, path) == 0 else { throw DiskBufferError(path: path, operation: "rename", code: errno) }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    private static func retrying<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result < 0 && errno == EINTR { continue }
            return result
        }
    }
}
