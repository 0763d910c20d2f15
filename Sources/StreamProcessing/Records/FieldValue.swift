/// A field of a parsed event. Numbers are doubles: aggregations work on them and JSON carries no finer type.
public enum FieldValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// The numeric reading of the value: numbers as they are, numeric strings parsed, anything else nil.
    public var numericValue: Double? {
        switch self {
        case .number(let number): return number
        case .string(let text): return Double(text)
        case .bool, .null: return nil
        }
    }

    /// The text used for grouping, dedupe keys and templates; null renders empty.
    public var description: String {
        switch self {
        case .string(let text): return text
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .bool(let flag): return String(flag)
        case .null: return ""
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number) where number.isFinite: try container.encode(number)
        case .number: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        }
    }
}
