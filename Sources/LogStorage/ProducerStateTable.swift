import KafkaProtocol
import KafkaRecords

/// What a partition remembers about one appended batch of an idempotent producer.
struct ProducerBatch: Equatable, Sendable {
    var firstSequence: Int32
    var lastSequence: Int32
    var firstOffset: Offset
    var lastOffset: Offset
    var maxTimestamp: Int64
}

/// One producer's state in a partition: its epoch and its last appended batches, newest last.
struct ProducerEntry: Equatable, Sendable {
    var epoch: ProducerEpoch
    var batches: [ProducerBatch]
    /// Max timestamp of its last batch; `producer.id.expiration.ms` measures idleness from it, as Kafka does.
    var lastTimestamp: Int64
}

/// The idempotent-producer state of a partition, with Kafka's rules (ProducerStateManager):
/// an older epoch is fenced; a new epoch starts at sequence 0; within an epoch each batch must start
/// right after the previous one's last sequence (wrapping at Int32.max), and a batch equal to one of
/// the last five is a retry whose original offsets are returned. An unknown producer may start at
/// any sequence, because its state may have expired or been deleted with old segments.
struct ProducerStateTable: Equatable, Sendable {
    static let retainedBatches = 5

    enum Verdict: Equatable {
        case append
        case duplicate(ProducerBatch)
    }

    private(set) var producers: [ProducerID: ProducerEntry] = [:]

    init(producers: [ProducerID: ProducerEntry] = [:]) {
        self.producers = producers
    }

    /// Decides whether a batch may be appended.
    func check(_ header: RecordBatchHeader, partition: TopicPartition) throws -> Verdict {
        guard header.producerID.rawValue >= 0, let entry = producers[header.producerID] else { return .append }
        if header.producerEpoch < entry.epoch {
            throw LogError.invalidProducerEpoch(partition, producerID: header.producerID, current: entry.epoch, received: header.producerEpoch)
        }
        if header.attributes.isControl || header.baseSequence < 0 { return .append }
        if header.producerEpoch > entry.epoch {
            guard header.baseSequence == 0 else {
                throw LogError.outOfOrderSequence(partition, producerID: header.producerID, expected: 0, received: header.baseSequence)
            }
            return .append
        }
        if let original = entry.batches.first(where: {
            $0.firstSequence == header.baseSequence && $0.lastSequence == header.lastSequence
        }) {
            return .duplicate(original)
        }
        guard let last = entry.batches.last else { return .append }
        let expected = last.lastSequence == Int32.max ? 0 : last.lastSequence + 1
        guard header.baseSequence == expected else {
            throw LogError.outOfOrderSequence(partition, producerID: header.producerID, expected: expected, received: header.baseSequence)
        }
        return .append
    }

    /// Records an appended batch (offsets already assigned).
    mutating func record(_ header: RecordBatchHeader) {
        guard header.producerID.rawValue >= 0 else { return }
        var entry = producers[header.producerID] ?? ProducerEntry(epoch: header.producerEpoch, batches: [], lastTimestamp: -1)
        if header.producerEpoch > entry.epoch {
            entry = ProducerEntry(epoch: header.producerEpoch, batches: [], lastTimestamp: -1)
        }
        if !header.attributes.isControl && header.baseSequence >= 0 {
            entry.batches.append(
                ProducerBatch(
                    firstSequence: header.baseSequence, lastSequence: header.lastSequence,
                    firstOffset: header.baseOffset, lastOffset: header.lastOffset, maxTimestamp: header.maxTimestamp))
            if entry.batches.count > Self.retainedBatches { entry.batches.removeFirst() }
        }
        entry.lastTimestamp = max(entry.lastTimestamp, header.maxTimestamp)
        producers[header.producerID] = entry
    }

    /// Forgets producers idle for `expirationMs` (Kafka's `producer.id.expiration.ms`); returns how many.
    @discardableResult
    mutating func removeExpired(now: Int64, expirationMs: Int64) -> Int {
        let expired = producers.filter { now - $0.value.lastTimestamp >= expirationMs }.keys
        for id in expired { producers[id] = nil }
        return expired.count
    }
}
