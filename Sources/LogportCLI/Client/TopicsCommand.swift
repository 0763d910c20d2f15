import ArgumentParser
import KafkaClient

/// `logport topics`: list, create, describe, alter and delete topics on any Kafka cluster.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage topics on a Kafka cluster.",
        subcommands: [List.self, Create.self, Describe.self, Alter.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics with their partition counts.")

        @OptionGroup var client: ClientOptions
        @Flag(help: "Include internal topics (named __…).") var includeInternal = false
        @Option(help: "table or json.") var output: OutputFormat = .table

        func run() async throws {
            client.startLogging()
            let topics = try await client.makeAdmin().listTopics(includeInternal: includeInternal, timeout: client.timeoutDuration)
            switch output {
            case .json:
                try Console.json(topics.map(TopicSummaryJSON.init))
            case .table:
                var table = Table("TOPIC", "PARTITIONS", "REPLICATION")
                for topic in topics { table.add(topic.name, String(topic.partitions.count), String(topic.replicationFactor)) }
                table.print()
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(help: "Partitions (default: the broker's num.partitions).") var partitions: Int32?
        @Option(help: "Replicas per partition (default: the broker's default.replication.factor).") var replicationFactor: Int16?
        @Option(name: .customLong("config"), help: "Topic config KEY=VALUE, e.g. retention.ms=86400000 (repeatable).")
        var configs: [KeyValue] = []

        func run() async throws {
            client.startLogging()
            try await client.makeAdmin().createTopic(
                NewTopic(name: topic, partitions: partitions, replicationFactor: replicationFactor, config: configs.dictionary),
                timeout: client.timeoutDuration)
            Console.out("Created topic \(topic).")
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a topic's partitions (leader, replicas, ISR) and its own configs.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(help: "table or json.") var output: OutputFormat = .table

        func run() async throws {
            client.startLogging()
            let admin = try client.makeAdmin()
            let description = try await admin.describeTopic(topic, timeout: client.timeoutDuration)
            let overrides = try await admin.describeConfigs(.topic(topic), timeout: client.timeoutDuration).filter(\.isTopicOverride)
            switch output {
            case .json:
                try Console.json(TopicDetailJSON(description, overrides: overrides))
            case .table:
                Console.out("Topic: \(topic)  Partitions: \(description.partitions.count)  Replication: \(description.replicationFactor)")
                Console.out("Configs: " + (overrides.isEmpty ? "(none set on the topic)" : overrides.map { "\($0.name)=\($0.value ?? "")" }.joined(separator: ", ")))
                var table = Table("PARTITION", "LEADER", "REPLICAS", "ISR", "ERROR")
                for partition in description.partitions {
                    table.add(
                        String(partition.partition), String(partition.leader), partition.replicas.map(String.init).joined(separator: ","),
                        partition.inSyncReplicas.map(String.init).joined(separator: ","), partition.error?.name ?? "-")
                }
                table.print()
            }
        }
    }

    struct Alter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a topic's configs or add partitions.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic name.") var topic: String
        @Option(name: .customLong("config"), help: "Set topic config KEY=VALUE (repeatable).") var configs: [KeyValue] = []
        @Option(name: .customLong("delete-config"), help: "Remove a topic config, back to the broker default (repeatable).")
        var deletedConfigs: [String] = []
        @Option(help: "Grow the topic to this many partitions.") var partitions: Int?

        func validate() throws {
            guard !configs.isEmpty || !deletedConfigs.isEmpty || partitions != nil else {
                throw ValidationError("nothing to change: give --config, --delete-config or --partitions")
            }
        }

        func run() async throws {
            client.startLogging()
            let admin = try client.makeAdmin()
            if let partitions {
                try await admin.createPartitions(topic: topic, totalCount: partitions, timeout: client.timeoutDuration)
                Console.out("Topic \(topic) now has \(partitions) partitions.")
            }
            if !configs.isEmpty || !deletedConfigs.isEmpty {
                try await admin.alterConfigs(.topic(topic), set: configs.dictionary, delete: Set(deletedConfigs), timeout: client.timeoutDuration)
                Console.out("Updated configs of topic \(topic).")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete topics and all their records.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Topic names.") var topics: [String]

        func run() async throws {
            client.startLogging()
            try await client.makeAdmin().deleteTopics(topics, timeout: client.timeoutDuration)
            for topic in topics { Console.out("Deleted topic \(topic).") }
        }
    }
}

private struct TopicSummaryJSON: Encodable {
    let name: String
    let partitions: Int
    let replicationFactor: Int

    init(_ topic: TopicDescription) {
        name = topic.name
        partitions = topic.partitions.count
        replicationFactor = topic.replicationFactor
    }
}

private struct TopicDetailJSON: Encodable {
    struct Partition: Encodable {
        let partition: Int32
        let leader: Int32
        let replicas: [Int32]
        let isr: [Int32]
        let error: String?
    }

    let name: String
    let partitions: [Partition]
    let configs: [String: String]

    init(_ topic: TopicDescription, overrides: [ConfigEntry]) {
        name = topic.name
        partitions = topic.partitions.map {
            Partition(partition: $0.partition, leader: $0.leader, replicas: $0.replicas, isr: $0.inSyncReplicas, error: $0.error?.name)
        }
        configs = Dictionary(overrides.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
    }
}
