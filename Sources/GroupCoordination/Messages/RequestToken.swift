/// Names one waiting JoinGroup or SyncGroup request. The network layer picks the value (unique
/// among the requests it is holding), keeps a continuation under it, and resumes it when an
/// effect carries the same token.
public struct RequestToken: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public var description: String { "#\(rawValue)" }
}
