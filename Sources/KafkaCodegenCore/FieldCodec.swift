/// The Swift statements that read and write one field, shared by the main field sequence and the
/// tagged-field section. Statements assume `version` is already known to be one where the field is
/// present; `compact` is the Swift expression that says whether strings, bytes and arrays are compact.
struct FieldCodec {
    let field: ResolvedField
    let compact: String
    /// Inside a tagged field, nullable structs use an unsigned-varint presence marker instead of int8.
    let isTagged: Bool
    /// "Struct.field", for errors about nulls where the schema forbids them.
    let location: String

    private var target: String { "self.\(field.property)" }

    /// When the field may be null, relative to the versions where it is present: nil = always.
    private var nullableCondition: String? { field.nullableVersions.condition(within: field.presentVersions) }

    // MARK: Decoding

    func emitDecode(_ w: inout CodeWriter, from buffer: String) throws {
        switch field.wireType {
        case .array(let element):
            try emitArrayDecode(&w, element: element, from: buffer)
        case .string:
            w.line("\(target) = try \(buffer).readKafka\(field.isOptional ? "Nullable" : "")String(compact: \(compact))")
        case .bytes:
            w.line("\(target) = try \(buffer).readKafka\(field.isOptional ? "Nullable" : "")Bytes(compact: \(compact))")
        case .records:
            w.line("\(target) = try \(buffer).readKafkaRecords(compact: \(compact))")
        case .structure(let name) where field.isOptional:
            let nullMarker = isTagged ? "try \(buffer).readUnsignedVarint() == 0" : "try \(buffer).readKafkaInt8() < 0"
            switch nullableCondition {
            case "false":
                w.line("\(target) = try \(name)(from: &\(buffer), version: version)")
            case let condition:
                let test = condition.map { "\($0), \(nullMarker)" } ?? nullMarker
                w.branch(
                    test,
                    then: { $0.line("\(target) = nil") },
                    else: { $0.line("\(target) = try \(name)(from: &\(buffer), version: version)") })
            }
        default:
            w.line("\(target) = \(try elementRead(field.wireType, from: buffer))")
        }
    }

    private func emitArrayDecode(_ w: inout CodeWriter, element: WireType, from buffer: String) throws {
        let read = try elementRead(element, from: buffer)
        if field.isOptional {
            w.ifElse(
                "let count = try \(buffer).readArrayCount(compact: \(compact))",
                then: { w in
                    w.line("var items: \(field.valueType) = []")
                    w.line("items.reserveCapacity(count)")
                    w.block("for _ in 0..<count") { $0.line("items.append(\(read))") }
                    w.line("\(target) = items")
                },
                else: { $0.line("\(target) = nil") })
            return
        }
        let count = field.property.replacingOccurrences(of: "`", with: "") + "Count"
        w.line(
            "let \(count) = try \(buffer).readNonNullArrayCount(compact: \(compact), field: \"\(location)\")")
        w.line("\(target).reserveCapacity(\(count))")
        w.block("for _ in 0..<\(count)") { w in
            w.line("\(target).append(\(read))")
        }
    }

    /// An expression that reads one value of a fixed-size type, string, bytes or struct.
    private func elementRead(_ type: WireType, from buffer: String) throws -> String {
        if let codec = type.fixedSizeCodecName {
            let read = "try \(buffer).readKafka\(codec)()"
            return field.newtype.map { "\($0)(\(read))" } ?? read
        }
        switch type {
        case .string: return "try \(buffer).readKafkaString(compact: \(compact))"
        case .bytes: return "try \(buffer).readKafkaBytes(compact: \(compact))"
        case .structure(let name): return "try \(name)(from: &\(buffer), version: version)"
        default: throw CodegenError("\(location): unsupported element type \(type)")
        }
    }

    // MARK: Encoding

    func emitEncode(_ w: inout CodeWriter, to writer: String) throws {
        switch field.wireType {
        case .array(let element):
            try emitArrayEncode(&w, element: element, to: writer)
        case .string, .bytes, .records:
            let method = field.wireType == .string ? "writeString" : field.wireType == .bytes ? "writeBytes" : "writeRecords"
            guard field.isOptional, nullableCondition != nil else {
                w.line("\(writer).\(method)(\(target), compact: \(compact))")
                return
            }
            let empty = field.wireType == .string ? "\"\"" : "ByteBuffer()"
            let emptyMethod = field.wireType == .string ? "writeString" : "writeBytes"
            let condition = nullableCondition
            w.ifElse(
                "let value = \(target)",
                then: { $0.line("\(writer).\(method)(value, compact: \(compact))") },
                else: {
                    $0.branch(
                        condition,
                        then: { $0.line("\(writer).\(method)(nil, compact: \(compact))") },
                        else: { $0.line("\(writer).\(emptyMethod)(\(empty), compact: \(compact))") })
                })
        case .structure(let name) where field.isOptional:
            let present = isTagged ? "\(writer).writeUnsignedVarint(1)" : "\(writer).writeInt8(1)"
            let absent = isTagged ? "\(writer).writeUnsignedVarint(0)" : "\(writer).writeInt8(-1)"
            let condition = nullableCondition
            w.ifElse(
                "let value = \(target)",
                then: { w in
                    w.branch(condition, then: { $0.line(present) }, else: { _ in })
                    w.line("value.encode(to: &\(writer), version: version)")
                },
                else: {
                    $0.branch(
                        condition, then: { $0.line(absent) },
                        else: { $0.line("\(name)().encode(to: &\(writer), version: version)") })
                })
        default:
            w.line(try elementWrite(field.wireType, value: target, to: writer))
        }
    }

    private func emitArrayEncode(_ w: inout CodeWriter, element: WireType, to writer: String) throws {
        let write = try elementWrite(element, value: "element", to: writer)
        guard field.isOptional else {
            w.line("\(writer).writeArrayCount(\(target).count, compact: \(compact))")
            w.block("for element in \(target)") { $0.line(write) }
            return
        }
        let condition = nullableCondition
        w.ifElse(
            "let items = \(target)",
            then: { w in
                w.line("\(writer).writeArrayCount(items.count, compact: \(compact))")
                w.block("for element in items") { $0.line(write) }
            },
            else: {
                $0.branch(
                    condition,
                    then: { $0.line("\(writer).writeArrayCount(nil, compact: \(compact))") },
                    else: { $0.line("\(writer).writeArrayCount(0, compact: \(compact))") })
            })
    }

    /// A statement that writes one non-optional value.
    private func elementWrite(_ type: WireType, value: String, to writer: String) throws -> String {
        if let codec = type.fixedSizeCodecName {
            return "\(writer).write\(codec)(\(value)\(field.newtype == nil ? "" : ".rawValue"))"
        }
        switch type {
        case .string: return "\(writer).writeString(\(value), compact: \(compact))"
        case .bytes: return "\(writer).writeBytes(\(value), compact: \(compact))"
        case .structure: return "\(value).encode(to: &\(writer), version: version)"
        default: throw CodegenError("\(location): unsupported element type \(type)")
        }
    }
}
