import NIOCore
@testable import StreamProcessing

/// A partials topic in memory: the records the source stage sends, by partition, in order, as Kafka keeps them.
struct InMemoryPartialsTopic {
    let exchange: Exchange
    private(set) var partitions: [[SourceRecord]]

    init(exchange: Exchange) {
        self.exchange = exchange
        self.partitions = Array(repeating: [], count: Int(exchange.partitionCount))
    }

    mutating func append(_ output: ProcessorOutput) {
        for outgoing in exchange.records(for: output) {
            append(outgoing)
        }
    }

    mutating func append(_ outgoing: OutgoingRecord) {
        let partition = Int(outgoing.partition ?? 0)
        partitions[partition].append(SourceRecord(
            topicPartition: TopicPartition(topic: exchange.topic, partition: Int32(partition)), offset: Int64(partitions[partition].count),
            timestampMillis: 0, key: outgoing.key.map { ByteBuffer(bytes: $0) }, value: ByteBuffer(bytes: outgoing.value)))
    }

    var topicPartitions: [TopicPartition] {
        (0..<exchange.partitionCount).map { TopicPartition(topic: exchange.topic, partition: $0) }
    }

    /// Every record from `offsets` on (per partition), partition after partition.
    func records(from offsets: [TopicPartition: Int64]) -> [SourceRecord] {
        partitions.flatMap { records in records.filter { $0.offset >= offsets[$0.topicPartition] ?? 0 } }
    }
}

/// The two stages of `logport process` joined by an in-memory partials topic: one or more source-stage
/// processors (each owning some source partitions) and one merge processor owning every partials
/// partition, fed the way the runners feed them through Kafka.
struct TwoStagePipeline {
    var sources: [PipelineProcessor]
    var merge: MergeProcessor
    var topic: InMemoryPartialsTopic
    /// The next partials offset the merge reads, per partition.
    var mergePositions: [TopicPartition: Int64] = [:]
    var merged = ProcessorOutput()

    /// `owners[i]` are the source partitions of processor `i`.
    init(definition: PipelineDefinition, owners: [[TopicPartition]], partialsPartitions: Int32 = 3) throws {
        topic = InMemoryPartialsTopic(exchange: Exchange(topic: definition.exchangeTopic, partitionCount: partialsPartitions))
        sources = []
        for owned in owners {
            var source = try PipelineProcessor(definition: definition)
            _ = source.assign(owned, checkpoints: [:], nowMillis: 0)
            sources.append(source)
        }
        merge = MergeProcessor(definition: definition)
        merge.updateSourcePartitions(Set(owners.flatMap { $0 }))
        _ = merge.assign(topic.topicPartitions, checkpoints: [:], nowMillis: 0)
    }

    /// Feeds each record to the processor owning its partition, the shares to the topic, and the new
    /// partials records to the merge.
    mutating func process(_ records: [SourceRecord], nowMillis: Int64 = 0, owners: [[TopicPartition]]) {
        for (index, owned) in owners.enumerated() {
            let mine = records.filter { owned.contains($0.topicPartition) }
            if !mine.isEmpty { topic.append(sources[index].process(mine, nowMillis: nowMillis)) }
        }
        drain()
    }

    mutating func advanceTime(nowMillis: Int64) {
        for index in sources.indices { topic.append(sources[index].advanceTime(nowMillis: nowMillis)) }
        drain()
    }

    mutating func drain() {
        let fresh = topic.records(from: mergePositions)
        for record in fresh { mergePositions[record.topicPartition] = record.offset + 1 }
        let output = merge.process(fresh, nowMillis: 0)
        merged.windowResults += output.windowResults
        merged.verdicts += output.verdicts
        merged.alerts += output.alerts
    }
}

extension WindowResult {
    /// What a sink stores of a result, without where in the partials topic it was decided.
    var content: WindowResult {
        var copy = self
        copy.position = nil
        return copy
    }
}
