import ArgumentParser

/// `logport`: one binary, one subcommand per role.
public struct LogportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "logport",
        abstract: "A Kafka-compatible log pipeline: broker, agent, processor and console in one binary.",
        subcommands: [BrokerCommand.self]
    )

    public init() {}
}
