import Foundation
import KafkaClient
import StreamProcessing

/// The Kafka side of a pipeline's partials topic (`Exchange`): created on first start, and the partitions
/// of the source topics, which the merge waits for.
enum ExchangeTopic {
    /// Room for the merge stage's checkpoint records, which hold every alert series of a partition.
    static let maxRecordBytes = 16 * 1024 * 1024

    /// Creates the partials topic if it is missing, with as many partitions as the source topics have
    /// together (so the merge spreads over as many members), and returns it as it is.
    static func prepare(_ definition: PipelineDefinition, admin: KafkaAdmin) async throws -> Exchange {
        let topic = definition.exchangeTopic
        let partitions = Int32(clamping: max(1, try await sourcePartitions(of: definition, admin: admin).count))
        do {
            try await admin.createTopic(NewTopic(name: topic, partitions: partitions, replicationFactor: nil,
                                                 config: ["max.message.bytes": String(maxRecordBytes)]))
        } catch let error as KafkaError where error.code == .topicAlreadyExists {
            // Another member, or an earlier run, made it: its partition count stands.
        }
        // A new topic's metadata may take a moment to reach the broker that answers.
        for attempt in 1...20 {
            if let description = try? await admin.describeTopic(topic), !description.partitions.isEmpty {
                return Exchange(topic: topic, partitionCount: Int32(description.partitions.count))
            }
            if attempt < 20 { try await Task.sleep(for: .milliseconds(250)) }
        }
        throw ExchangeTopicError.noPartitions(topic)
    }

    /// Every partition of the pipeline's source topics (`^…` names are patterns) that exists now.
    static func sourcePartitions(of definition: PipelineDefinition, admin: KafkaAdmin) async throws -> Set<StreamProcessing.TopicPartition> {
        let patterns = try definition.source.topics.filter { $0.hasPrefix("^") }.map { try NSRegularExpression(pattern: $0) }
        let names = Set(definition.source.topics.filter { !$0.hasPrefix("^") })
        var partitions: Set<StreamProcessing.TopicPartition> = []
        for topic in try await admin.describeCluster().topics {
            let matches = names.contains(topic.name) || patterns.contains {
                $0.firstMatch(in: topic.name, range: NSRange(topic.name.startIndex..., in: topic.name)) != nil
            }
            guard matches else { continue }
            for partition in topic.partitions { partitions.insert(StreamProcessing.TopicPartition(topic: topic.name, partition: partition.partition)) }
        }
        return partitions
    }
}

enum ExchangeTopicError: Error, CustomStringConvertible {
    case noPartitions(String)

    var description: String {
        switch self {
        case .noPartitions(let topic):
            return "the partials topic \(topic) shows no partitions 5 s after it was created; check the cluster (or delete the topic so the processor creates it again)"
        }
    }
}
