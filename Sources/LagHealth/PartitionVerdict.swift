/// What the evaluator concluded about one partition, and why, in words an operator can act on.
public struct PartitionVerdict: Sendable, Hashable, Codable {
    public var status: PartitionStatus
    public var reason: String
    /// The newest sample's lag, nil before the first sample.
    public var currentLag: Int64?
    /// Samples in the window and how many a full window holds.
    public var samples: Int
    public var windowSize: Int

    public init(status: PartitionStatus, reason: String, currentLag: Int64?, samples: Int, windowSize: Int) {
        self.status = status
        self.reason = reason
        self.currentLag = currentLag
        self.samples = samples
        self.windowSize = windowSize
    }
}
