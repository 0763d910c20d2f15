/// What a consumer group keeps per partition: the next offset to read, and the member's own text beside
/// it (Kafka's commit metadata), which the next owner of the partition reads back with the offset.
public struct CommitPosition: Sendable, Hashable {
    public var offset: Int64
    /// nil or empty: none. Brokers bound its size (Kafka's `offset.metadata.max.bytes`, 4096 by default).
    public var metadata: String?

    public init(offset: Int64, metadata: String? = nil) {
        self.offset = offset
        self.metadata = metadata
    }
}
