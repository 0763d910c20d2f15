import ArgumentParser

/// `logport`: one binary, one subcommand per role.
public struct LogportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "logport",
        abstract: "A Kafka-compatible log pipeline: broker, agent, processor and console in one binary.",
        subcommands: [
            BrokerCommand.self, TopicsCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupsCommand.self, PerfCommand.self,
            ConsoleCommand.self, UpCommand.self, AgentCommand.self,
            ProcessCommand.self, GenerateCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments and runs the chosen subcommand, awaiting async ones.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
