import NIOCore
import NIOPosix

/// An open file descriptor owned by reference count: it is closed when the last holder lets go, so
/// retention deleting a segment never closes a descriptor the flusher is still syncing. Every
/// failing call throws `LogError.io` naming the operation and the file.
final class OpenFile: Sendable {
    let descriptor: CInt
    let path: String

    private init(descriptor: CInt, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Opens (creating when asked) a file for reading and writing.
    static func open(_ path: String, create: Bool) throws -> OpenFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = retryingOnInterrupt { NIOPosix.open(path, flags, 0o644) }
        guard descriptor >= 0 else { throw LogError.io(operation: "open", path: path, errno: errno) }
        return OpenFile(descriptor: descriptor, path: path)
    }

    /// Opens a directory so it can be fsynced after entries in it are created or renamed.
    static func openDirectory(_ path: String) throws -> OpenFile {
        let descriptor = retryingOnInterrupt { NIOPosix.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw LogError.io(operation: "open directory", path: path, errno: errno) }
        return OpenFile(descriptor: descriptor, path: path)
    }

    func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw LogError.io(operation: "fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes at `position`; fewer only at end of file.
    func read(at position: Int, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { raw in
                let result = retryingOnInterrupt {
                    pread(descriptor, raw.baseAddress, count - done, off_t(position + done))
                }
                guard result >= 0 else { throw LogError.io(operation: "pread", path: path, errno: errno) }
                return result
            }
            if got == 0 { break }
            done += got
        }
        return buffer
    }

    /// Writes all readable bytes of `buffer` at `position`.
    func write(_ buffer: ByteBuffer, at position: Int) throws {
        try buffer.withUnsafeReadableBytes { raw in
            var done = 0
            while done < raw.count {
                let result = retryingOnInterrupt {
                    pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(position + done))
                }
                guard result > 0 else {
                    throw LogError.io(operation: "pwrite", path: path, errno: result == 0 ? EIO : errno)
                }
                done += result
            }
        }
    }

    func truncate(to size: Int) throws {
        guard retryingOnInterrupt({ ftruncate(descriptor, off_t(size)) }) == 0 else {
            throw LogError.io(operation: "ftruncate to \(size) bytes", path: path, errno: errno)
        }
    }

    func fsync() throws {
        guard retryingOnInterrupt({ NIOPosix.fsync(descriptor) }) == 0 else {
            throw LogError.io(operation: "fsync", path: path, errno: errno)
        }
    }

    /// A second descriptor for the same file, owned by the returned handle, so a fetch response can be
    /// written with sendfile after the log has moved on (or even deleted the segment).
    func duplicateHandle() throws -> NIOFileHandle {
        let copy = dup(descriptor)
        guard copy >= 0 else { throw LogError.io(operation: "dup", path: path, errno: errno) }
        return NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
    }
}

@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}
