import LogportCLI

await LogportCommand.main()
