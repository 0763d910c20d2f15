import Yams

/// Builds a transform from its configuration, by `type`:
/// - `parse_json`, `parse_logfmt`, `parse_access_log`, `parse_regex` (`pattern`): parse `field`
///   (default `message`) into `fields`, or under `target`;
/// - `parse_timestamp`: `field`, `formats` (names or `%` patterns), `timezone`;
/// - `enrich`: `add_fields`, `host_field`, `service`;
/// - `filter`: `keep_if` or `drop_if`, a condition or a list of them (all must hold);
/// - `sample`: `rate`, optional `key_field`, optional `exclude` condition(s);
/// - `map_severity`: `field`, optional `mapping` and `fallback`.
///
/// A condition is `{field: NAME, OPERATOR: VALUE}` with one of `equals`, `not_equals`,
/// `contains`, `matches`, `exists`, `one_of`, `greater_than`, `less_than`, `severity_at_least`.
enum TransformSettings {
    static let types = ["parse_json", "parse_logfmt", "parse_access_log", "parse_regex", "parse_timestamp", "enrich",
                        "filter", "sample", "map_severity"]

    static func read(type: String, name: String, from reader: ConfigReader, agentHost: String) throws(ConfigError)
        -> (any EventTransform)?
    {
        switch type {
        case "parse_json": return try parse(name: name, JSONFieldParser(), from: reader)
        case "parse_logfmt": return try parse(name: name, LogfmtParser(), from: reader)
        case "parse_access_log": return try parse(name: name, AccessLogParser(), from: reader)
        case "parse_regex": return try parse(name: name, RegexParser(regex: try regex("pattern", from: reader)), from: reader)
        case "parse_timestamp":
            guard let field = try reader.fieldPath("field") else { throw reader.error("field", line: reader.line, "is required") }
            let names = try reader.stringList("formats") ?? ["rfc3339"]
            var formats: [TimestampFormat] = []
            for formatName in names {
                guard let format = TimestampFormat(name: formatName) else {
                    throw reader.error("formats", "unknown format \"\(formatName)\" (use rfc3339, clf, syslog, epoch_s, epoch_ms or a %-pattern)")
                }
                formats.append(format)
            }
            let parser = TimestampParser(formats: formats, zone: try reader.timeZone("timezone") ?? .utc)
            return TimestampTransform(name: name, field: field, parser: parser)
        case "enrich":
            let hostField = try reader.fieldPath("host_field").map { path throws(ConfigError) -> [String] in
                guard case .field(let components) = path else {
                    throw reader.error("host_field", "must name an entry of fields, not the event's \(path)")
                }
                return components
            }
            return EnrichTransform(addFields: try reader.values("add_fields") ?? [:], hostField: hostField,
                                   agentHost: agentHost, service: try reader.string("service"))
        case "filter":
            let keep = try conditions("keep_if", from: reader)
            let drop = try conditions("drop_if", from: reader)
            switch (keep, drop) {
            case (let keep?, nil): return FilterTransform(mode: .keepIf, conditions: keep)
            case (nil, let drop?): return FilterTransform(mode: .dropIf, conditions: drop)
            default: throw reader.error("keep_if", line: reader.line, "give exactly one of keep_if and drop_if")
            }
        case "sample":
            guard let rate = try reader.int("rate", in: 1...1_000_000_000) else {
                throw reader.error("rate", line: reader.line, "is required: keep one event in this many")
            }
            return SampleTransform(rate: rate, keyField: try reader.fieldPath("key_field"),
                                   exclude: try conditions("exclude", from: reader) ?? [])
        case "map_severity":
            guard let field = try reader.fieldPath("field") else { throw reader.error("field", line: reader.line, "is required") }
            var mapping: [String: Severity] = [:]
            for (text, value) in try reader.values("mapping") ?? [:] {
                guard let level = value.text.flatMap(Severity.init(name:)) else {
                    throw reader.error("mapping", "\"\(text)\" maps to an unknown severity \"\(value.text ?? "null")\"")
                }
                mapping[text] = level
            }
            let fallback = try reader.string("fallback").map { text throws(ConfigError) -> Severity in
                guard let level = Severity(name: text) else { throw reader.error("fallback", "unknown severity \"\(text)\"") }
                return level
            }
            return SeverityTransform(field: field, mapping: mapping, fallback: fallback)
        default:
            return nil
        }
    }

    private static func parse(name: String, _ parser: any FieldParser, from reader: ConfigReader) throws(ConfigError)
        -> ParseTransform
    {
        let source = try reader.fieldPath("field") ?? .message
        let target = try reader.fieldPath("target").map { path throws(ConfigError) -> [String] in
            guard case .field(let components) = path else {
                throw reader.error("target", "must name an entry of fields, not the event's \(path)")
            }
            return components
        }
        return ParseTransform(name: name, parser: parser, source: source, target: target)
    }

    private static func regex(_ key: String, from reader: ConfigReader) throws(ConfigError) -> LogRegex {
        let pattern = try reader.requiredString(key)
        do {
            let regex = try LogRegex(pattern)
            guard !regex.groupNames.isEmpty else { throw reader.error(key, "has no named capture group (?<name>…)") }
            return regex
        } catch let error as ConfigError {
            throw error
        } catch {
            throw reader.error(key, "invalid regular expression: \(error)")
        }
    }

    /// One condition mapping or a list of them; nil when the key is absent.
    static func conditions(_ key: String, from reader: ConfigReader) throws(ConfigError) -> [FieldCondition]? {
        guard let node = reader.node(key) else { return nil }
        let elements: [Yams.Node]
        if case .sequence(let sequence) = node { elements = Array(sequence) } else { elements = [node] }
        var conditions: [FieldCondition] = []
        for element in elements {
            let condition = try ConfigReader(node: element, file: reader.file, component: reader.component,
                                             fieldPrefix: reader.fieldPrefix + key + ".", fieldName: key)
            conditions.append(try read(condition: condition))
        }
        return conditions
    }

    private static func read(condition reader: ConfigReader) throws(ConfigError) -> FieldCondition {
        let operators = ["equals", "not_equals", "contains", "matches", "exists", "one_of", "greater_than", "less_than",
                         "severity_at_least"]
        let given = reader.keys.filter(operators.contains)
        guard given.count == 1, let op = given.first else {
            throw reader.error("field", line: reader.line, "a condition needs exactly one of \(operators.joined(separator: ", "))")
        }
        let field = try reader.fieldPath("field") ?? (op == "severity_at_least" ? .severity : nil)
        guard let field else { throw reader.error("field", line: reader.line, "is required") }
        let test: FieldCondition.Test
        switch op {
        case "equals": test = .equals(try reader.requiredString(op))
        case "not_equals": test = .notEquals(try reader.requiredString(op))
        case "contains": test = .contains(try reader.requiredString(op))
        case "matches": test = .matches(try regexCondition(op, from: reader))
        case "exists":
            guard let flag = try reader.bool(op) else { throw reader.error(op, "expected true or false") }
            test = .exists(flag)
        case "one_of": test = .oneOf(try reader.stringList(op) ?? [])
        case "greater_than", "less_than":
            guard let bound = try reader.number(op) else { throw reader.error(op, "expected a number") }
            test = op == "greater_than" ? .greaterThan(bound) : .lessThan(bound)
        default:
            let text = try reader.requiredString(op)
            guard let level = Severity(name: text) else { throw reader.error(op, "unknown severity \"\(text)\"") }
            test = .severityAtLeast(level)
        }
        try reader.finish()
        return FieldCondition(field: field, test: test)
    }

    private static func regexCondition(_ key: String, from reader: ConfigReader) throws(ConfigError) -> LogRegex {
        let pattern = try reader.requiredString(key)
        do {
            return try LogRegex(pattern)
        } catch {
            throw reader.error(key, "invalid regular expression: \(error)")
        }
    }
}
