/// How consecutive lines are joined into one event (stack traces, wrapped messages): a line
/// matching `startPattern` begins a new event; other lines are appended to the current one with
/// a newline. An event is complete when the next one starts, when no line arrived for `timeoutMs`,
/// or when it reaches `maximumLines` or `maximumBytes`. A continuation line with nothing before
/// it becomes an event of its own, so no line is ever dropped.
public struct MultilineConfig: Sendable {
    public var startPattern: LogRegex
    public var timeoutMs: Int64
    public var maximumLines: Int
    public var maximumBytes: Int

    public init(startPattern: LogRegex, timeoutMs: Int64 = 1000, maximumLines: Int = 500, maximumBytes: Int = 1 << 20) {
        self.startPattern = startPattern
        self.timeoutMs = timeoutMs
        self.maximumLines = max(1, maximumLines)
        self.maximumBytes = max(1, maximumBytes)
    }
}

struct MultilineAggregator {
    let config: MultilineConfig
    private var current: FileRecord?
    private var lineCount = 0
    private var lastLineAt: Int64 = 0

    init(config: MultilineConfig) { self.config = config }

    /// Adds a line; returns the events it completed (at most two: the previous one and, if the
    /// line filled it up, the current one).
    mutating func add(_ line: FileRecord, now: Int64) -> [FileRecord] {
        var completed: [FileRecord] = []
        if var event = current, !config.startPattern.matches(line.text) {
            event.text += "\n" + line.text
            event.end = line.end
            current = event
            lineCount += 1
        } else {
            if let finished = flush() { completed.append(finished) }
            current = line
            lineCount = 1
        }
        lastLineAt = now
        if let event = current, lineCount >= config.maximumLines || event.text.utf8.count >= config.maximumBytes {
            completed.append(event)
            current = nil
        }
        return completed
    }

    /// The pending event if no line has arrived for the timeout.
    mutating func flushIfIdle(now: Int64) -> FileRecord? {
        guard current != nil, now - lastLineAt >= config.timeoutMs else { return nil }
        return flush()
    }

    mutating func flush() -> FileRecord? {
        defer { current = nil }
        return current
    }
}
