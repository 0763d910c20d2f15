import Foundation

/// What happened to an event in the transform chain.
public enum TransformOutcome: Sendable, Equatable {
    case kept(Event)
    /// A filter or dedupe step removed it: expected, not an error.
    case removed
    case failed(FieldParseError)
}

/// A compiled transform chain. Regular expressions are compiled once, at construction, so a bad pattern is a
/// configuration error rather than a per-event one. The chain holds no state: dedupe memory is the caller's
/// (`DedupeMemory` per dedupe step), so each source partition keeps its own.
public struct TransformChain: Sendable {
    private enum Step: Sendable {
        case plain(TransformSpec)
        case parseRegex(field: String, regex: NSRegularExpression, groupNames: [String])
        case filterMatches(field: String, regex: NSRegularExpression)
        case dedupe(stepIndex: Int, keyFields: [String], withinMillis: Int64)
    }

    private let steps: [Step]

    public init(_ specs: [TransformSpec]) throws {
        steps = try specs.enumerated().map { index, spec in
            switch spec {
            case .parseRegex(let field, let pattern):
                let regex = try Self.compile(pattern, step: index)
                let names = regex.regionNames
                guard !names.isEmpty else { throw TransformConfigError(step: index, detail: "pattern \(pattern) has no named capture group (?<name>...)") }
                return .parseRegex(field: field, regex: regex.regex, groupNames: names)
            case .filter(let condition) where condition.op == .matches:
                let pattern = condition.value?.description ?? ""
                return .filterMatches(field: condition.field, regex: try Self.compile(pattern, step: index).regex)
            case .dedupe(let keyFields, let withinMillis):
                return .dedupe(stepIndex: index, keyFields: keyFields, withinMillis: withinMillis)
            default:
                return .plain(spec)
            }
        }
    }

    private static func compile(_ pattern: String, step: Int) throws -> (regex: NSRegularExpression, regionNames: [String]) {
        do {
            return (try NSRegularExpression(pattern: pattern), Self.groupNames(in: pattern))
        } catch {
            throw TransformConfigError(step: step, detail: "invalid regular expression \(pattern): \(error)")
        }
    }

    /// Named groups in pattern order; NSRegularExpression looks captures up by name but cannot list them.
    private static func groupNames(in pattern: String) -> [String] {
        var names: [String] = []
        var rest = Substring(pattern)
        while let open = rest.range(of: "(?<") {
            rest = rest[open.upperBound...]
            guard let first = rest.first, first != "=", first != "!", let close = rest.firstIndex(of: ">") else { continue }
            names.append(String(rest[..<close]))
            rest = rest[close...]
        }
        return names
    }

    /// Runs the steps over `input`; dedupe steps remember kept keys in `dedupeMemory` (by step index).
    public func apply(_ input: Event, dedupeMemory: inout [Int: DedupeMemory]) -> TransformOutcome {
        var event = input
        for step in steps {
            do throws(FieldParseError) {
                switch step {
                case .plain(let spec):
                    guard try Self.apply(spec, to: &event) else { return .removed }
                case .parseRegex(let field, let regex, let groupNames):
                    let text = try Self.text(of: field, in: event)
                    guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else {
                        throw FieldParseError.noRegexMatch(field: field)
                    }
                    for name in groupNames {
                        if let range = Range(match.range(withName: name), in: text) { event[name] = .string(String(text[range])) }
                    }
                case .filterMatches(let field, let regex):
                    guard let text = event[field]?.description,
                          regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil else { return .removed }
                case .dedupe(let stepIndex, let keyFields, let withinMillis):
                    let key = keyFields.map { event[$0]?.description ?? "" }.joined(separator: "\u{1F}")
                    let isDuplicate = dedupeMemory[stepIndex, default: DedupeMemory()]
                        .isDuplicate(key: key, timeMillis: event.timeMillis, withinMillis: withinMillis)
                    if isDuplicate { return .removed }
                }
            } catch {
                return .failed(error)
            }
        }
        return .kept(event)
    }

    /// Applies a stateless step; false when the event is filtered out.
    private static func apply(_ spec: TransformSpec, to event: inout Event) throws(FieldParseError) -> Bool {
        switch spec {
        case .parseJSON(let field):
            event.fields.merge(try FieldParsers.json(try text(of: field, in: event))) { _, parsed in parsed }
        case .parseLogfmt(let field):
            event.fields.merge(try FieldParsers.logfmt(try text(of: field, in: event))) { _, parsed in parsed }
        case .filter(let condition):
            return condition.holds(for: event[condition.field])
        case .rename(let from, let to):
            if let value = event.fields.removeValue(forKey: from) { event[to] = value }
        case .drop(let fields):
            for field in fields { event.fields[field] = nil }
        case .set(let field, let value):
            event[field] = value
        case .derive(let field, .template(let template)):
            event[field] = .string(renderTemplate(template, event))
        case .derive(let field, .arithmetic(let source, let op, let operand)):
            event[field] = event[source]?.numericValue.flatMap { op.apply($0, operand) }.map(FieldValue.number) ?? .null
        case .timestamp(let field, let format):
            event.timeMillis = try timestamp(of: field, format: format, in: event)
        case .parseRegex, .dedupe:
            break  // compiled into their own steps
        }
        return true
    }

    private static func text(of field: String, in event: Event) throws(FieldParseError) -> String {
        guard let value = event[field], value != .null else { throw FieldParseError.missingField(field) }
        return value.description
    }

    private static func timestamp(of field: String, format: TimestampFormat, in event: Event) throws(FieldParseError) -> Int64 {
        let value = try text(of: field, in: event)
        let parsed: Int64?
        switch format {
        case .iso8601: parsed = CivilTime.parseMillis(value)
        case .unixMillis: parsed = event[field]?.numericValue.flatMap { $0.isFinite && abs($0) < 1e17 ? Int64($0) : nil }
        case .unixSeconds: parsed = event[field]?.numericValue.flatMap { $0.isFinite && abs($0) < 1e14 ? Int64(($0 * 1000).rounded()) : nil }
        }
        guard let parsed else { throw FieldParseError.invalidTimestamp(field: field, value: value) }
        return parsed
    }

    private static func renderTemplate(_ template: String, _ event: Event) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            output += event[name]?.description ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}

/// Keys kept by a dedupe step, with the event time each was first kept.
///
/// Entries older than the dedupe interval (measured from the latest event time seen) are forgotten in
/// amortized sweeps, so memory is bounded by the number of distinct keys per interval.
public struct DedupeMemory: Sendable, Equatable {
    private var firstSeen: [String: Int64] = [:]
    private var latestTimeMillis: Int64 = .min
    private var sizeAfterLastSweep = 0

    mutating func isDuplicate(key: String, timeMillis: Int64, withinMillis: Int64) -> Bool {
        latestTimeMillis = max(latestTimeMillis, timeMillis)
        if let first = firstSeen[key], abs(timeMillis - first) < withinMillis { return true }
        firstSeen[key] = timeMillis
        if firstSeen.count > max(1024, 2 * sizeAfterLastSweep) {
            let horizon = latestTimeMillis - withinMillis
            firstSeen = firstSeen.filter { $0.value > horizon }
            sizeAfterLastSweep = firstSeen.count
        }
        return false
    }
}

public struct TransformConfigError: Error, Equatable, CustomStringConvertible {
    public var step: Int
    public var detail: String

    public var description: String { "transforms[\(step)]: \(detail)" }
}

extension FilterCondition {
    func holds(for value: FieldValue?) -> Bool {
        switch op {
        case .exists: return value != nil && value != .null
        case .missing: return value == nil || value == .null
        case .matches: return false  // compiled into its own step
        default: break
        }
        guard let value, let expected = self.value else { return op == .notEquals }
        switch op {
        case .equals: return value.description == expected.description
        case .notEquals: return value.description != expected.description
        case .contains: return value.description.contains(expected.description)
        case .greaterThan, .greaterOrEqual, .lessThan, .lessOrEqual:
            guard let number = value.numericValue, let limit = expected.numericValue else { return false }
            switch op {
            case .greaterThan: return number > limit
            case .greaterOrEqual: return number >= limit
            case .lessThan: return number < limit
            default: return number <= limit
            }
        case .exists, .missing, .matches: return false
        }
    }
}
