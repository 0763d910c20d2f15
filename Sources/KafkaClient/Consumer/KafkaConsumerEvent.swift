/// What happens to a consumer besides records: rebalances and errors librdkafka reports and recovers
/// from by itself (a broker going away, a subscribed topic missing).
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// The group gave this member these partitions (all of them, or, with cooperative-sticky, the added ones).
    case partitionsAssigned([TopicPartition])
    /// The group is taking these partitions away, and waits (up to the consumer's `revocationTimeout`)
    /// for the owner to call `finish()` on it: only consumers created with a revocation timeout hold
    /// revocations. `partitionsRevoked` follows once they are gone.
    case partitionsRevoking(PartitionRevocation)
    /// These partitions were taken away; `lost` means the member was fenced out of the group, so
    /// committing their offsets would fail.
    case partitionsRevoked([TopicPartition], lost: Bool)
    /// The end of a partition was reached (only with `enable.partition.eof=true`).
    case partitionEOF(TopicPartition, offset: Int64)
    case error(KafkaError)
}
