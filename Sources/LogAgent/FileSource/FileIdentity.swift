/// Which file a path currently is: device and inode, stable across renames.
public struct FileKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public let device: UInt64
    public let inode: UInt64

    public var description: String { "dev \(device) ino \(inode)" }
}

/// A hash (`stableHash`) of a file's first `length` bytes. An inode number can be reused by a
/// new file once the old one is gone; together with the fingerprint, a checkpoint is only applied
/// to the file it was taken for. Files shorter than the configured length are fingerprinted over
/// what they have, and the fingerprint is extended as they grow (after checking the old prefix).
public struct FileFingerprint: Hashable, Sendable, Codable {
    public let length: Int
    public let hash: UInt64

    public init(of bytes: some Collection<UInt8>) {
        length = bytes.count
        hash = stableHash(bytes)
    }

    /// Whether `prefix` (the file's first bytes, at least `length` of them) starts with the
    /// content this fingerprint was taken of.
    public func matchesStart(of prefix: [UInt8]) -> Bool {
        prefix.count >= length && FileFingerprint(of: prefix.prefix(length)) == self
    }
}
