/// Where a file source stands, for lag metrics: per followed file how many bytes are not read
/// yet, and how many bytes read are not acknowledged yet.
public struct FileSourceProgress: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let path: String
        public let unreadBytes: UInt64
    }

    public let files: [File]
    public let pendingBytes: Int
}
