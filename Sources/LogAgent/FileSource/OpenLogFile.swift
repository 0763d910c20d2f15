#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A file system failure in the file source, naming the operation and the path.
public struct FileSourceError: Error, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Size and identity of a file at one moment.
struct FileStatus {
    let key: FileKey
    let size: UInt64
    let isRegularFile: Bool

    init(_ info: stat) {
        key = FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        size = UInt64(max(0, info.st_size))
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The status of what `path` names now (symbolic links followed); nil when it does not exist.
    static func of(path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }
}

/// A log file opened read-only. Holding the descriptor keeps a renamed or deleted file readable
/// to its end, and keeps its inode from being reused while the tailer still knows it. Closed on
/// deinit.
final class OpenLogFile {
    let descriptor: CInt
    /// The path it was opened as, for error messages.
    let openedPath: String

    init(path: String) throws(FileSourceError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSourceError(operation: "open", path: path, errno: errno) }
        self.descriptor = descriptor
        self.openedPath = path
    }

    deinit { close(descriptor) }

    func status() throws(FileSourceError) -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSourceError(operation: "fstat", path: openedPath, errno: errno) }
        return FileStatus(info)
    }

    /// Appends up to `count` bytes at `offset` to `buffer`, fewer at the end of the file; returns
    /// how many.
    func read(at offset: UInt64, count: Int, appendingTo buffer: inout ByteBuffer) throws(FileSourceError) -> Int {
        var filled = 0
        while filled < count {
            let result = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - filled) { writable in
                pread(descriptor, writable.baseAddress!, count - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw FileSourceError(operation: "read", path: openedPath, errno: errno)
            }
            if result == 0 { break }
            filled += result
        }
        return filled
    }

    /// Up to `count` bytes at `offset`; fewer at the end of the file.
    func read(at offset: UInt64, count: Int) throws(FileSourceError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw FileSourceError(operation: "read", path: openedPath, errno: errno)
            }
            if result == 0 { break }
            filled += result
        }
        bytes.removeLast(count - filled)
        return bytes
    }
}
