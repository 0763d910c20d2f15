/// A field's type as the protocol serialises it.
indirect enum WireType: Equatable, Sendable {
    case bool, int8, int16, uint16, int32, uint32, int64, float64, string, bytes, records, uuid
    case array(WireType)
    case structure(String)

    init(parsing text: String) {
        if text.hasPrefix("[]") {
            self = .array(WireType(parsing: String(text.dropFirst(2))))
            return
        }
        switch text {
        case "bool": self = .bool
        case "int8": self = .int8
        case "int16": self = .int16
        case "uint16": self = .uint16
        case "int32": self = .int32
        case "uint32": self = .uint32
        case "int64": self = .int64
        case "float64": self = .float64
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        case "uuid": self = .uuid
        default: self = .structure(text)
        }
    }

    /// The Swift type of a plain value, before domain newtypes and optionality.
    var swiftType: String {
        switch self {
        case .bool: return "Bool"
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .uint16: return "UInt16"
        case .int32: return "Int32"
        case .uint32: return "UInt32"
        case .int64: return "Int64"
        case .float64: return "Double"
        case .string: return "String"
        case .bytes: return "ByteBuffer"
        case .records: return "RecordsPayload"
        case .uuid: return "KafkaUUID"
        case .array(let element): return "[\(element.swiftType)]"
        case .structure(let name): return name
        }
    }

    /// The suffix of the `readKafka…` / `write…` primitives for fixed-size values.
    var fixedSizeCodecName: String? {
        switch self {
        case .bool: return "Bool"
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .uint16: return "UInt16"
        case .int32: return "Int32"
        case .uint32: return "UInt32"
        case .int64: return "Int64"
        case .float64: return "Float64"
        case .uuid: return "UUID"
        default: return nil
        }
    }
}
