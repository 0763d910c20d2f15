import Yams

/// A YAML node with the field path that reached it, so every value read can fail with file, line and field.
///
/// Scalars are read through `${NAME}` / `${NAME:-default}` interpolation from the given environment; an
/// unset variable without default is an error, never an empty string.
struct ConfigNode {
    let node: Node
    let field: String
    let file: String
    let environment: [String: String]

    var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, field: field, message: message)
    }

    func child(_ node: Node, _ component: String) -> ConfigNode {
        ConfigNode(node: node, field: field.isEmpty ? component : "\(field)\(component.hasPrefix("[") ? "" : ".")\(component)",
                   file: file, environment: environment)
    }

    // MARK: Structure

    func mapping(allowedKeys: Set<String>) throws -> ConfigMapping {
        guard let mapping = node.mapping else { throw error("expected a mapping (key: value)") }
        var entries: [(key: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else { throw child(keyNode, "?").error("keys must be plain names") }
            let entry = child(valueNode, key)
            guard allowedKeys.contains(key) else {
                throw entry.error("unknown key \(key); expected one of \(allowedKeys.sorted().joined(separator: ", "))")
            }
            guard !entries.contains(where: { $0.key == key }) else { throw entry.error("duplicate key \(key)") }
            entries.append((key, entry))
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// A mapping of free-form names to scalar values (HTTP headers, librdkafka properties).
    func stringMapping() throws -> [String: String] {
        guard let mapping = node.mapping else { throw error("expected a mapping (name: value)") }
        var values: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string, !key.isEmpty else { throw child(keyNode, "?").error("keys must be plain names") }
            values[key] = try child(valueNode, key).string()
        }
        return values
    }

    func sequence() throws -> [ConfigNode] {
        guard let sequence = node.sequence else { throw error("expected a list") }
        return sequence.enumerated().map { index, element in child(element, "[\(index)]") }
    }

    /// `key:`, `key: ~` and `key: null` mean the key is absent.
    var isNull: Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    // MARK: Scalars

    func string() throws -> String {
        guard let scalar = node.scalar else { throw error("expected a single value") }
        let text = try interpolate(scalar.string)
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    func strings() throws -> [String] {
        if node.scalar != nil { return [try string()] }
        return try sequence().map { try $0.string() }
    }

    func int(in range: ClosedRange<Int>) throws -> Int {
        let text = try string()
        guard let value = Int(text), range.contains(value) else { throw error("expected an integer in \(range.lowerBound)...\(range.upperBound), found \(text)") }
        return value
    }

    func double(in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double {
        let text = try string()
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw error("expected a number in \(range.lowerBound)...\(range.upperBound), found \(text)")
        }
        return value
    }

    func bool() throws -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error("expected true or false, found \(other)")
        }
    }

    /// `250ms`, `10s`, `5m`, `2h`, `1d` (see `DurationText`).
    func durationMillis(minimum: Int64 = 0) throws -> Int64 {
        let text = try string()
        guard let millis = DurationText.millis(text) else {
            throw error("expected a duration like 500ms, 10s, 5m, 1h or 1d, found \(text)")
        }
        guard millis >= minimum else { throw error("duration \(text) must be at least \(minimum) ms") }
        return millis
    }

    func fieldValue() throws -> FieldValue {
        guard let scalar = node.scalar else { throw error("expected a single value") }
        let text = try interpolate(scalar.string)
        if scalar.style == .plain {
            if let number = Double(text) { return .number(number) }
            if text == "true" || text == "false" { return .bool(text == "true") }
        }
        return .string(text)
    }

    func oneOf<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) throws -> Choice where Choice.RawValue == String {
        let text = try string()
        guard let choice = Choice(rawValue: text) else {
            throw error("unknown value \(text); expected one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    private func interpolate(_ text: String) throws -> String {
        guard text.contains("${") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw error("unterminated ${ in \(text)") }
            let reference = rest[open.upperBound..<close]
            let parts = reference.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw error("invalid environment variable reference ${\(reference)}")
            }
            if let value = environment[name] {
                output += value
            } else if parts.count == 2 {
                output += parts[1]
            } else {
                throw error("environment variable \(name) is not set (write ${\(name):-default} for a default)")
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}

/// The checked entries of one YAML mapping, in file order.
struct ConfigMapping {
    let owner: ConfigNode
    let entries: [(key: String, value: ConfigNode)]

    func optional(_ key: String) -> ConfigNode? {
        entries.first { $0.key == key }.map(\.value).flatMap { $0.isNull ? nil : $0 }
    }

    func required(_ key: String) throws -> ConfigNode {
        guard let node = optional(key) else { throw owner.error("missing required key \(key)") }
        return node
    }

    /// Exactly one of `keys` must be present: the key says which kind of thing this is.
    func exactlyOne(of keys: [String]) throws -> (key: String, value: ConfigNode) {
        let present = entries.filter { keys.contains($0.key) }
        guard present.count == 1, let choice = present.first else {
            throw owner.error(present.isEmpty ? "expected one of \(keys.joined(separator: ", "))"
                                              : "only one of \(present.map(\.key).joined(separator: ", ")) may be given")
        }
        return choice
    }
}
