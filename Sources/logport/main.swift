import LogportCLI

await LogportCommand.runFromCommandLine()
