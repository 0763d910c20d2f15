import Logging

enum LoggingSetup {
    /// Logs go to stderr, one line each, at `level` and above.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
