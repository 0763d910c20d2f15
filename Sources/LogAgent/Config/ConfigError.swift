/// A configuration mistake, located for the operator: file, line, component and field.
/// Printed as `agent.yaml:23: sinks.kafka_out.acks: expected one of 0, 1, all (got "2")`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    /// `sources.NAME`, `transforms.NAME` or `sinks.NAME`; nil for top-level settings.
    public let component: String?
    /// The key within the component (dotted for nested ones), or a top-level key.
    public let field: String?
    public let message: String

    public init(file: String, line: Int?, component: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.component = component
        self.field = field
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let path = [component, field].compactMap { $0 }.joined(separator: ".")
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}
