import KafkaClient
import LogAgent

/// The librdkafka properties a Kafka sink's producer runs with, derived from its `KafkaSinkConfig`.
///
/// Guarantees, with `acks: all` (the default): the producer is idempotent
/// (`enable.idempotence=true`), so librdkafka's own retries neither duplicate nor reorder records
/// within a partition; records with one key go to one partition (librdkafka's key-hash
/// partitioner), so one key keeps its order end to end. librdkafka rejects idempotence with
/// `acks` 0 or 1, so those settings give at-most-once-per-attempt producing without it.
enum KafkaSinkProperties {
    static func make(for sink: KafkaSinkConfig, clientID: String) -> KafkaConfig {
        var config = KafkaConfig(bootstrapServers: sink.bootstrapServers.joined(separator: ","))
        config.clientID = clientID
        config.acks = acks(sink.acks)
        config.enableIdempotence = sink.acks == .all
        config.compression = KafkaCompression(rawValue: sink.compression.rawValue)
        // librdkafka's own queue is bounded by the same budget as the sink's buffer, so a full
        // queue suspends `write` (QUEUE_FULL backpressure) instead of growing memory.
        config["queue.buffering.max.kbytes"] = String(max(1, sink.buffer.maximumBytes / 1024))
        // A high-priority route does not wait for batches to fill. Normal routes wait 50 ms
        // rather than librdkafka's 5: measured with benchmarks/agent_vs_rsyslog.py, the short
        // linger made librdkafka's broker thread wake for ever-smaller batches on a busy host
        // (up to 3x the CPU per line), while 50 ms of delay does not matter for shipping logs.
        config.linger = sink.priority == .high ? .zero : .milliseconds(50)
        // Batches of 256 KiB rather than librdkafka's 1 MB: a file source keeps only 1 MiB of lines
        // unacknowledged (max_pending_bytes), which would rarely fill a 1 MB batch per partition,
        // so batches would wait out the linger and the window would cycle slowly (335k vs 530k
        // lines/s in benchmarks/agent_vs_rsyslog.py); smaller batches also need smaller message
        // set and compression buffers (peak RSS 40 -> 38.5 MiB).
        config.batchSize = 256 * 1024
        for (name, value) in sink.librdkafkaOptions { config[name] = value }
        return config
    }

    private static func acks(_ acks: KafkaSinkConfig.Acks) -> KafkaAcks {
        switch acks {
        case .none: .none
        case .leader: .leader
        case .all: .all
        }
    }
}
