import ArgumentParser
import KafkaClient

/// `logport groups`: consumer groups, their lag, and offset resets.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Inspect consumer groups and move their offsets.",
        subcommands: [List.self, Describe.self, ResetOffsets.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List consumer groups.")

        @OptionGroup var client: ClientOptions
        @Option(help: "table or json.") var output: OutputFormat = .table

        func run() async throws {
            client.startLogging()
            let groups = try await client.makeAdmin().listConsumerGroups(timeout: client.timeoutDuration)
            switch output {
            case .json:
                try Console.json(groups.map { ["group": $0.groupID, "state": $0.state, "type": $0.isSimple ? "simple" : "consumer"] })
            case .table:
                var table = Table("GROUP", "STATE", "TYPE")
                for group in groups { table.add(group.groupID, group.state, group.isSimple ? "simple" : "consumer") }
                table.print()
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's members and, per partition, committed offset, end offset and lag.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Group id.") var group: String
        @Option(help: "table or json.") var output: OutputFormat = .table

        func run() async throws {
            client.startLogging()
            let admin = try client.makeAdmin()
            let description = try await admin.describeConsumerGroup(group, timeout: client.timeoutDuration)
            let lags = try await admin.consumerGroupLag(group: group, timeout: client.timeoutDuration)
            switch output {
            case .json:
                try Console.json(GroupJSON(description, lags: lags))
            case .table:
                let coordinator = description.coordinator.map { "\($0.id) (\($0.host):\($0.port))" } ?? "-"
                Console.out(
                    "Group: \(group)  State: \(description.state)  Assignor: \(description.partitionAssignor.isEmpty ? "-" : description.partitionAssignor)  "
                        + "Members: \(description.members.count)  Coordinator: \(coordinator)")
                var table = Table("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
                for lag in lags {
                    table.add(
                        lag.topicPartition.topic, String(lag.topicPartition.partition), lag.committedOffset.map(String.init) ?? "-",
                        String(lag.endOffset), lag.lag.map(String.init) ?? "-", lag.member?.memberID ?? "-", lag.member?.host ?? "-",
                        lag.member?.clientID ?? "-")
                }
                table.print()
            }
        }
    }

    struct ResetOffsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-offsets",
            abstract: "Move a group's committed offsets on a topic (the group must have no active members).",
            discussion: "Without --execute this only shows the plan.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "Group id.") var group: String
        @Option(help: "Topic whose partitions to reset.") var topic: String
        @Flag(help: "Move to the oldest records.") var toEarliest = false
        @Flag(help: "Move to the end (skip everything unread).") var toLatest = false
        @Option(help: "Move to the first record at or after this time (ms since the epoch).") var toTimestamp: Int64?
        @Flag(help: "Apply the plan; without it nothing changes.") var execute = false
        @Option(help: "table or json.") var output: OutputFormat = .table

        func validate() throws {
            guard [toEarliest, toLatest, toTimestamp != nil].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --to-earliest, --to-latest and --to-timestamp")
            }
        }

        var target: OffsetResetTarget {
            if toEarliest { return .earliest }
            if toLatest { return .latest }
            return .timestamp(KafkaTimestamp(milliseconds: toTimestamp ?? 0))
        }

        func run() async throws {
            client.startLogging()
            let admin = try client.makeAdmin()
            let plan = try await admin.planOffsetReset(group: group, topic: topic, to: target, timeout: client.timeoutDuration)
            if execute {
                try await admin.alterConsumerGroupOffsets(
                    group: group, offsets: Dictionary(uniqueKeysWithValues: plan.map { ($0.topicPartition, $0.newOffset) }),
                    timeout: client.timeoutDuration)
            }
            switch output {
            case .json:
                try Console.json(ResetJSON(group: group, executed: execute, plan: plan))
            case .table:
                var table = Table("TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET")
                for step in plan {
                    table.add(step.topicPartition.topic, String(step.topicPartition.partition), step.currentOffset.map(String.init) ?? "-", String(step.newOffset))
                }
                table.print()
                Console.err(execute ? "Offsets of group \(group) reset." : "Dry run: nothing changed. Add --execute to apply.")
            }
        }
    }
}

private struct GroupJSON: Encodable {
    struct Member: Encodable {
        let memberID: String
        let clientID: String
        let host: String
        let assignment: [String]
    }

    struct Lag: Encodable {
        let topic: String
        let partition: Int32
        let committedOffset: Int64?
        let endOffset: Int64
        let lag: Int64?
        let memberID: String?
    }

    let group: String
    let state: String
    let partitionAssignor: String
    let members: [Member]
    let partitions: [Lag]

    init(_ description: ConsumerGroupDescription, lags: [PartitionLag]) {
        group = description.groupID
        state = description.state
        partitionAssignor = description.partitionAssignor
        members = description.members.map {
            Member(memberID: $0.memberID, clientID: $0.clientID, host: $0.host, assignment: $0.assignment.map(\.description))
        }
        partitions = lags.map {
            Lag(topic: $0.topicPartition.topic, partition: $0.topicPartition.partition, committedOffset: $0.committedOffset,
                endOffset: $0.endOffset, lag: $0.lag, memberID: $0.member?.memberID)
        }
    }
}

private struct ResetJSON: Encodable {
    struct Step: Encodable {
        let topic: String
        let partition: Int32
        let currentOffset: Int64?
        let newOffset: Int64
    }

    let group: String
    let executed: Bool
    let partitions: [Step]

    init(group: String, executed: Bool, plan: [OffsetResetPlan]) {
        self.group = group
        self.executed = executed
        partitions = plan.map {
            Step(topic: $0.topicPartition.topic, partition: $0.topicPartition.partition, currentOffset: $0.currentOffset, newOffset: $0.newOffset)
        }
    }
}
