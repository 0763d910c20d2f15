/// A pipeline configuration problem, located for the operator: file, line, column and field path.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// `aggregations[0].window.tumbling`
    public var field: String
    public var message: String

    public var description: String { "\(file):\(line):\(column): \(field): \(message)" }
}
