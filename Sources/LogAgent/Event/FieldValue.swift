/// A structured value inside an event's `fields`: what JSON can carry, with integers kept apart from
/// doubles so a status code stays `404` and never becomes `404.0`.
public enum FieldValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([FieldValue])
    case object([String: FieldValue])

    /// The value as text for templates, keys and comparisons: strings as they are, numbers and
    /// booleans in their JSON spelling, nil for null, arrays and objects as compact JSON.
    public var text: String? {
        switch self {
        case .string(let value): return value
        case .null: return nil
        default: return String(decoding: JSONWriter.encode(self), as: UTF8.self)
        }
    }

    /// The value as a number when it is one or is text spelling one.
    public var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string(let value): return Double(value)
        default: return nil
        }
    }
}

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: FieldValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FieldValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
