import Foundation
import Yams

/// One named component of the pipeline graph: its `type`, the components it reads from
/// (`inputs`; none for sources), its settings, and where it was declared.
public struct ComponentConfig<Settings: Sendable>: Sendable {
    public let name: String
    public let type: String
    public let inputs: [String]
    public let line: Int?
    public let settings: Settings
}

/// The agent's configuration (Vector's model): named `sources`, `transforms` and `sinks`, wired
/// by `inputs`. Loading validates everything an operator can get wrong — unknown types and
/// options, values, references between components, cycles — and reports it as a `ConfigError`
/// naming the file, line, component and field. `${VAR}` and `${VAR:-default}` are replaced from
/// the environment first.
///
/// Top-level options: `data_dir` (checkpoints and disk buffers; default `/var/lib/logport/agent`), `host` (the
/// host name events carry; default the system's), `drain_timeout_ms` (how long shutdown waits for
/// sinks; default 30000), `api.listen` (HOST:PORT serving `/metrics` and `/health`, as Vector's
/// `api.address`; off when absent).
public struct AgentConfig: Sendable {
    public var dataDirectory: String
    public var host: String
    public var drainTimeoutMs: Int64
    public var apiListen: (host: String, port: Int)?
    public var sources: [ComponentConfig<SourceSettings>]
    public var transforms: [ComponentConfig<any EventTransform>]
    public var sinks: [ComponentConfig<SinkSettings>]

    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> AgentConfig
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, message: "cannot read the configuration: \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path, environment: environment)
    }

    public static func parse(
        yaml: String, file: String = "agent.yaml", environment: [String: String] = [:],
        systemHost: String = ProcessInfo.processInfo.hostName
    ) throws(ConfigError) -> AgentConfig {
        let text = try EnvironmentInterpolation.apply(to: yaml, environment: environment, file: file)
        let root: Node
        do {
            // The basic resolver tags every scalar as text; ConfigReader tells the few scalar types
            // of a configuration apart itself. Yams' default resolver decides with regular
            // expressions, whose compilation alone loads ICU: about 3 MB of the agent's memory.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw ConfigError(file: file, line: nil, message: "the configuration is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: file, line: Self.line(of: error), message: "invalid YAML: \(error)")
        }
        let top = try ConfigReader(node: root, file: file, component: nil)
        let dataDirectory = try top.string("data_dir") ?? "/var/lib/logport/agent"
        let host = try top.string("host") ?? systemHost
        let drainTimeout = Int64(try top.int("drain_timeout_ms", in: 0...3_600_000) ?? 30_000)
        let apiListen = try readAPI(top)

        let sources = try components("sources", of: top, hasInputs: false) { type, name, reader throws(ConfigError) in
            try SourceSettings.read(type: type, name: name, from: reader, dataDirectory: dataDirectory)
        } knownTypes: { ["file", "syslog", "stdin"] }
        let transforms = try components("transforms", of: top, hasInputs: true) { type, name, reader throws(ConfigError) in
            try TransformSettings.read(type: type, name: name, from: reader, agentHost: host)
        } knownTypes: { TransformSettings.types }
        let sinks = try components("sinks", of: top, hasInputs: true) { type, _, reader throws(ConfigError) in
            try SinkSettings.read(type: type, from: reader)
        } knownTypes: { ["kafka", "console"] }
        try top.finish()

        let config = AgentConfig(dataDirectory: dataDirectory, host: host, drainTimeoutMs: drainTimeout, apiListen: apiListen,
                                 sources: sources, transforms: transforms, sinks: sinks)
        try config.validateGraph(file: file, line: top.line)
        return config
    }

    private static func components<Settings>(
        _ section: String, of top: ConfigReader, hasInputs: Bool,
        read: (String, String, ConfigReader) throws(ConfigError) -> Settings?,
        knownTypes: () -> [String]
    ) throws(ConfigError) -> [ComponentConfig<Settings>] {
        guard let sectionReader = try top.nested(section) else { return [] }
        var result: [ComponentConfig<Settings>] = []
        for name in sectionReader.keys {
            guard let node = sectionReader.node(name) else { continue }
            let component = "\(section).\(name)"
            let reader = try ConfigReader(node: node, file: top.file, component: component)
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw ConfigError(file: top.file, line: reader.line, component: component,
                                  message: "component names may only use letters, digits, _ and -")
            }
            let type = try reader.requiredString("type")
            var inputs: [String] = []
            if hasInputs {
                inputs = try reader.stringList("inputs") ?? []
                guard !inputs.isEmpty else { throw reader.error("inputs", line: reader.line, "is required: the components this one reads") }
            }
            guard let settings = try read(type, name, reader) else {
                throw reader.error("type", "unknown \(section.dropLast()) type \"\(type)\" (known: \(knownTypes().joined(separator: ", ")))")
            }
            try reader.finish()
            result.append(ComponentConfig(name: name, type: type, inputs: inputs, line: reader.line, settings: settings))
        }
        return result
    }

    /// `api: {listen: HOST:PORT}`.
    private static func readAPI(_ top: ConfigReader) throws(ConfigError) -> (host: String, port: Int)? {
        guard let api = try top.nested("api") else { return nil }
        guard let listen = try api.string("listen") else { throw api.error("listen", line: api.line, "is required: HOST:PORT to serve /metrics and /health on") }
        try api.finish()
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port),
            colon != listen.startIndex
        else {
            throw api.error("listen", "must look like HOST:PORT (127.0.0.1:8686), got \"\(listen)\"")
        }
        return (String(listen[..<colon]), port)
    }

    private static func line(of error: Error) -> Int? {
        if case YamlError.scanner(_, _, let mark, _)? = error as? YamlError { return mark.line }
        if case YamlError.parser(_, _, let mark, _)? = error as? YamlError { return mark.line }
        return nil
    }
}
