import Yams

/// Reads one YAML mapping of the configuration with typed accessors whose errors name the file,
/// line, component and key. Every key read is remembered, so `finish()` can reject keys nobody
/// asked for: a misspelled option fails loudly instead of being silently ignored.
final class ConfigReader {
    let file: String
    let component: String?
    /// Prefix for nested keys (`multiline.` inside a source), for error messages.
    let fieldPrefix: String
    let line: Int?
    private var entries: [(key: String, keyLine: Int?, value: Node)] = []
    private var readKeys = Set<String>()

    init(node: Node, file: String, component: String?, fieldPrefix: String = "", fieldName: String? = nil) throws(ConfigError) {
        self.file = file
        self.component = component
        self.fieldPrefix = fieldPrefix
        self.line = node.mark?.line
        guard case .mapping(let mapping) = node else {
            throw ConfigError(file: file, line: node.mark?.line, component: component, field: fieldName,
                              message: "expected a mapping of keys to values")
        }
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ConfigError(file: file, line: key.mark?.line, component: component, message: "keys must be text")
            }
            if entries.contains(where: { $0.key == name }) {
                throw error(name, line: key.mark?.line, "is given twice")
            }
            entries.append((name, key.mark?.line, value))
        }
    }

    var keys: [String] { entries.map(\.key) }

    func error(_ key: String, line: Int? = nil, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line ?? lineOf(key) ?? self.line, component: component,
                    field: fieldPrefix + key, message: message)
    }

    func lineOf(_ key: String) -> Int? {
        entries.first { $0.key == key }.flatMap { $0.value.mark?.line ?? $0.keyLine }
    }

    func node(_ key: String) -> Node? {
        readKeys.insert(key)
        return entries.first { $0.key == key }?.value
    }

    /// Rejects keys not read by anyone, naming the first with its line.
    func finish() throws(ConfigError) {
        if let unknown = entries.first(where: { !readKeys.contains($0.key) }) {
            let known = readKeys.sorted().joined(separator: ", ")
            throw error(unknown.key, line: unknown.keyLine, "unknown option (known here: \(known))")
        }
    }

    // MARK: Scalars

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let node = node(key), !isNull(node) else { return nil }
        guard case .scalar(let scalar) = node else { throw error(key, "expected text") }
        return scalar.string
    }

    func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key) else { throw error(key, line: line, "is required") }
        guard !value.isEmpty else { throw error(key, "must not be empty") }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let node = node(key), !isNull(node) else { return nil }
        guard case .scalar = node, let value = node.int else { throw error(key, "expected an integer, got \(describe(node))") }
        guard range.contains(value) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = node(key), !isNull(node) else { return nil }
        guard let value = Self.bool(node) else { throw error(key, "expected true or false, got \(describe(node))") }
        return value
    }

    /// YAML's booleans (as Yams reads them): a plain scalar true/yes/on or false/no/off, any case.
    private static func bool(_ node: Node) -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    func number(_ key: String) throws(ConfigError) -> Double? {
        guard let node = node(key), !isNull(node) else { return nil }
        guard case .scalar = node, let value = node.float else { throw error(key, "expected a number, got \(describe(node))") }
        return value
    }

    /// One of a fixed set of spellings, mapped to its value.
    func choice<Value>(_ key: String, _ choices: KeyValuePairs<String, Value>) throws(ConfigError) -> Value? {
        guard let text = try string(key) else { return nil }
        guard let match = choices.first(where: { $0.key == text }) else {
            let allowed = choices.map(\.key).joined(separator: ", ")
            throw error(key, "expected one of \(allowed), got \"\(text)\"")
        }
        return match.value
    }

    /// A list of texts; a single text counts as a list of one.
    func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = node(key), !isNull(node) else { return nil }
        switch node {
        case .scalar(let scalar): return [scalar.string]
        case .sequence(let sequence):
            var values: [String] = []
            for element in sequence {
                guard case .scalar(let scalar) = element else {
                    throw error(key, line: element.mark?.line, "expected a list of texts")
                }
                values.append(scalar.string)
            }
            return values
        default: throw error(key, "expected text or a list of texts")
        }
    }

    func fieldPath(_ key: String) throws(ConfigError) -> FieldPath? {
        guard let text = try string(key) else { return nil }
        guard let path = FieldPath(text) else { throw error(key, "invalid field path \"\(text)\"") }
        return path
    }

    func nested(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let node = node(key), !isNull(node) else { return nil }
        return try ConfigReader(node: node, file: file, component: component, fieldPrefix: fieldPrefix + key + ".",
                                fieldName: fieldPrefix + key)
    }

    /// A free-form mapping of texts to JSON-like values (static fields).
    func values(_ key: String) throws(ConfigError) -> [String: FieldValue]? {
        guard let node = node(key), !isNull(node) else { return nil }
        guard case .object(let object) = try fieldValue(node, key: key) else { throw error(key, "expected a mapping") }
        return object
    }

    private func fieldValue(_ node: Node, key: String) throws(ConfigError) -> FieldValue {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return .null }
            if scalar.style == .plain {
                if let value = node.int { return .int(Int64(value)) }
                if let value = Self.bool(node) { return .bool(value) }
                if let value = node.float { return .double(value) }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var elements: [FieldValue] = []
            for element in sequence { elements.append(try fieldValue(element, key: key)) }
            return .array(elements)
        case .mapping(let mapping):
            var object: [String: FieldValue] = [:]
            for (name, value) in mapping {
                guard let name = name.string else { throw error(key, line: name.mark?.line, "keys must be text") }
                object[name] = try fieldValue(value, key: key)
            }
            return .object(object)
        case .alias:
            throw error(key, "YAML aliases are not supported")
        }
    }

    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "\"\(scalar.string)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
