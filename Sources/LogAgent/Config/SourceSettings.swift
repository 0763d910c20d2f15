/// A source's configuration, by `type`.
public enum SourceSettings: Sendable {
    case file(FileSourceSettings)
    case syslog(SyslogSourceConfig)
    case stdin(StdinSourceConfig)
}

/// `type: file`.
public struct FileSourceSettings: Sendable {
    public var tailer: FileTailerConfig
    public var pollIntervalMs: Int64 = 250
    public var checkpointIntervalMs: Int64 = 1000
}

/// `type: stdin`: one event per line of standard input; the source ends at end of input.
public struct StdinSourceConfig: Sendable, Equatable {
    public var maximumLineBytes = 256 * 1024

    public init(maximumLineBytes: Int = 256 * 1024) { self.maximumLineBytes = maximumLineBytes }
}

extension SourceSettings {
    static func read(type: String, name: String, from reader: ConfigReader, dataDirectory: String) throws(ConfigError)
        -> SourceSettings?
    {
        switch type {
        case "file": return .file(try readFile(name: name, from: reader, dataDirectory: dataDirectory))
        case "syslog": return .syslog(try readSyslog(from: reader))
        case "stdin":
            var config = StdinSourceConfig()
            config.maximumLineBytes = try reader.int("max_line_bytes", in: 16...(64 << 20)) ?? config.maximumLineBytes
            return .stdin(config)
        default: return nil
        }
    }

    private static func readFile(name: String, from reader: ConfigReader, dataDirectory: String) throws(ConfigError)
        -> FileSourceSettings
    {
        guard let include = try reader.stringList("include"), !include.isEmpty else {
            throw reader.error("include", line: reader.line, "is required: one or more glob patterns")
        }
        for pattern in include where !pattern.hasPrefix("/") {
            throw reader.error("include", "patterns must be absolute paths, got \"\(pattern)\"")
        }
        let discovery = PathDiscovery(include: include, exclude: try reader.stringList("exclude") ?? [])
        var tailer = FileTailerConfig(discovery: discovery, checkpointPath: dataDirectory + "/checkpoints/" + name + ".json")
        tailer.readFrom = try reader.choice("read_from", ["beginning": ReadFrom.beginning, "end": .end]) ?? .beginning
        tailer.fingerprintBytes = try reader.int("fingerprint_bytes", in: 16...65536) ?? tailer.fingerprintBytes
        tailer.rescanIntervalMs = Int64(try reader.int("rescan_interval_ms", in: 10...3_600_000) ?? Int(tailer.rescanIntervalMs))
        tailer.idleCloseMs = Int64(try reader.int("idle_close_ms", in: 0...86_400_000) ?? Int(tailer.idleCloseMs))
        tailer.maximumLineBytes = try reader.int("max_line_bytes", in: 16...(64 << 20)) ?? tailer.maximumLineBytes
        tailer.maximumPendingBytes = try reader.int("max_pending_bytes", in: 1024...(1 << 34)) ?? tailer.maximumPendingBytes
        if let multiline = try reader.nested("multiline") {
            let pattern = try multiline.requiredString("start_pattern")
            let regex: LogRegex
            do {
                regex = try LogRegex(pattern)
            } catch {
                throw multiline.error("start_pattern", "invalid regular expression: \(error)")
            }
            var config = MultilineConfig(startPattern: regex)
            config.timeoutMs = Int64(try multiline.int("timeout_ms", in: 1...3_600_000) ?? Int(config.timeoutMs))
            config.maximumLines = try multiline.int("max_lines", in: 1...1_000_000) ?? config.maximumLines
            config.maximumBytes = try multiline.int("max_bytes", in: 16...(64 << 20)) ?? config.maximumBytes
            try multiline.finish()
            tailer.multiline = config
        }
        var settings = FileSourceSettings(tailer: tailer)
        settings.pollIntervalMs = Int64(try reader.int("poll_interval_ms", in: 1...60_000) ?? Int(settings.pollIntervalMs))
        settings.checkpointIntervalMs = Int64(
            try reader.int("checkpoint_interval_ms", in: 10...3_600_000) ?? Int(settings.checkpointIntervalMs))
        return settings
    }

    private static func readSyslog(from reader: ConfigReader) throws(ConfigError) -> SyslogSourceConfig {
        var config = SyslogSourceConfig()
        config.transport = try reader.choice("mode", ["udp": SyslogSourceConfig.Transport.udp, "tcp": .tcp]) ?? .udp
        if let address = try reader.string("address") {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (0...65535).contains(port), colon != address.startIndex
            else { throw reader.error("address", "expected host:port, got \"\(address)\"") }
            config.host = String(address[..<colon]).trimmingCharacters(in: ["[", "]"])
            config.port = port
        }
        config.maximumFrameBytes = try reader.int("max_frame_bytes", in: 64...(16 << 20)) ?? config.maximumFrameBytes
        config.zone = try reader.timeZone("timezone") ?? .utc
        return config
    }
}

extension ConfigReader {
    func timeZone(_ key: String) throws(ConfigError) -> TimeZoneRule? {
        guard let name = try string(key) else { return nil }
        guard let zone = TimeZoneRule(name: name) else {
            throw error(key, "unknown time zone \"\(name)\" (use UTC, local, an IANA name, or +hh:mm)")
        }
        return zone
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
