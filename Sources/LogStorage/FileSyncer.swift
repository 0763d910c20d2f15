import NIOPosix

/// How log data reaches stable storage. The default uses fdatasync on Linux (a segment's size
/// change is data for fdatasync, so appended bytes are covered) and F_FULLFSYNC on Darwin (where
/// plain fsync leaves data in the drive's cache). Tests substitute one that counts or blocks.
public struct FileSyncer: Sendable {
    /// Makes the file behind `descriptor` durable; `path` is for error messages.
    public var syncFile: @Sendable (_ descriptor: CInt, _ path: String) throws -> Void

    public init(syncFile: @escaping @Sendable (_ descriptor: CInt, _ path: String) throws -> Void) {
        self.syncFile = syncFile
    }

    public static let durable = FileSyncer { descriptor, path in
        #if canImport(Darwin)
        let result = fcntl(descriptor, F_FULLFSYNC)
        let operation = "fcntl(F_FULLFSYNC)"
        #else
        let result = retryingOnInterrupt { fdatasync(descriptor) }
        let operation = "fdatasync"
        #endif
        guard result == 0 else { throw LogError.io(operation: operation, path: path, errno: errno) }
    }

    func sync(_ file: OpenFile) throws {
        try syncFile(file.descriptor, file.path)
    }
}
