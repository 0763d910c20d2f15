import KafkaClient
import StreamProcessing

/// The processor and the Kafka client each name a partition with their own type (the processor core has
/// no Kafka dependency); these convert at the boundary.
extension StreamProcessing.TopicPartition {
    init(_ partition: KafkaClient.TopicPartition) {
        self.init(topic: partition.topic, partition: partition.partition)
    }

    var kafka: KafkaClient.TopicPartition {
        KafkaClient.TopicPartition(topic: topic, partition: partition)
    }
}

extension Dictionary where Key == StreamProcessing.TopicPartition {
    var kafkaKeyed: [KafkaClient.TopicPartition: Value] {
        Dictionary<KafkaClient.TopicPartition, Value>(uniqueKeysWithValues: map { ($0.key.kafka, $0.value) })
    }
}
