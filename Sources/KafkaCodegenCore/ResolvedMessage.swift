import Foundation

/// A field with everything the emitters need decided: Swift name and type, default, and the version
/// ranges (already clipped to the versions where its struct exists).
struct ResolvedField {
    let jsonName: String
    let property: String
    let wireType: WireType
    /// The domain newtype of the value, or of the elements for an array field.
    let newtype: String?
    let isOptional: Bool
    let presentVersions: Versions
    let nullableVersions: Versions
    let tag: UInt32?
    /// Versions in which strings, bytes and arrays use the compact (varint length) form.
    let compactVersions: Versions
    let defaultExpression: String
    let about: String

    /// The Swift type of one element of an array field.
    var elementType: String {
        guard case .array(let element) = wireType else { return valueType }
        return newtype ?? element.swiftType
    }

    /// The Swift type without optionality.
    var valueType: String {
        if case .array = wireType { return "[\(elementType)]" }
        return newtype ?? wireType.swiftType
    }

    var swiftType: String { isOptional ? valueType + "?" : valueType }
}

/// A message's top-level struct or one of its nested structs.
struct ResolvedStruct {
    let name: String
    /// The versions in which this struct can appear (its parent field's, within the message's).
    let versions: Versions
    /// The versions of `versions` that are flexible.
    let flexibleVersions: Versions
    let fields: [ResolvedField]
    let about: String
}

/// A whole JSON file resolved: the top-level struct first, then every nested struct in schema order.
struct ResolvedMessage {
    let spec: MessageSpec
    let fileName: String
    let root: ResolvedStruct
    let nested: [ResolvedStruct]

    var name: String { spec.name }
}

extension ResolvedMessage {
    init(spec: MessageSpec, fileName: String) throws {
        var resolver = StructResolver(spec: spec)
        let root = try resolver.resolve(
            name: spec.name, fields: spec.fields, versions: spec.validVersions,
            about: "")
        for common in spec.commonStructs {
            resolver.nested.append(
                try resolver.resolve(
                    name: common.name, fields: common.fields,
                    versions: common.versions.intersection(spec.validVersions), about: ""))
        }
        try resolver.checkStructReferences()
        self.init(spec: spec, fileName: fileName, root: root, nested: resolver.nested)
    }
}

/// Walks a message's field tree, turning schema fields into `ResolvedField`s and collecting nested structs.
private struct StructResolver {
    let spec: MessageSpec
    var nested: [ResolvedStruct] = []
    var referencedStructs: [(name: String, field: String)] = []

    init(spec: MessageSpec) {
        self.spec = spec
    }

    mutating func resolve(name: String, fields: [FieldSpec], versions: Versions, about: String) throws
        -> ResolvedStruct
    {
        var resolved: [ResolvedField] = []
        for field in fields {
            resolved.append(try resolve(field: field, structVersions: versions, structName: name))
        }
        return ResolvedStruct(
            name: name, versions: versions, flexibleVersions: spec.flexibleVersions.intersection(versions),
            fields: resolved, about: about)
    }

    private mutating func resolve(field: FieldSpec, structVersions: Versions, structName: String) throws
        -> ResolvedField
    {
        let location = "\(spec.name).\(structName).\(field.name)"
        let wireType = WireType(parsing: field.type)
        let present = field.versions.intersection(structVersions)

        if let nestedFields = field.fields {
            guard let structName = wireType.structName else {
                throw CodegenError("\(location): fields given for non-struct type \(field.type)")
            }
            if nested.contains(where: { $0.name == structName }) || structName == spec.name {
                throw CodegenError("\(location): struct \(structName) is defined twice")
            }
            // Nested structs are listed parent first: children resolved below append after `index`.
            let index = nested.count
            let resolved = try resolve(name: structName, fields: nestedFields, versions: present, about: field.about)
            nested.insert(resolved, at: index)
        } else if let structName = wireType.structName {
            referencedStructs.append((structName, location))
        }

        if field.tag != nil && field.taggedVersions != field.versions {
            throw CodegenError("\(location): a field tagged in only some of its versions is not supported")
        }
        if field.tag != nil && !spec.flexibleVersions.contains(field.taggedVersions.intersection(structVersions)) {
            throw CodegenError("\(location): tagged in a version that is not flexible")
        }

        let newtype = DomainTypeRule.newtype(forField: field.name, wireType: wireType, inMessage: spec.name)
        let isOptional = wireType == .records || !field.nullableVersions.isEmpty
        if field.defaultValue == "null" && !isOptional {
            throw CodegenError("\(location): default null on a field that is never nullable")
        }
        var compactVersions = spec.flexibleVersions.intersection(present)
        if let override = field.flexibleVersions {
            compactVersions = compactVersions.intersection(override)
        }
        return ResolvedField(
            jsonName: field.name,
            property: SwiftNames.property(field.name),
            wireType: wireType,
            newtype: newtype,
            isOptional: isOptional,
            presentVersions: present,
            nullableVersions: field.nullableVersions.intersection(present),
            tag: field.tag,
            compactVersions: compactVersions,
            defaultExpression: try defaultExpression(for: field, wireType: wireType, newtype: newtype, location: location),
            about: field.about)
    }

    func checkStructReferences() throws {
        for reference in referencedStructs where !nested.contains(where: { $0.name == reference.name }) {
            throw CodegenError("\(reference.field): unknown struct type \(reference.name)")
        }
    }

    private func defaultExpression(for field: FieldSpec, wireType: WireType, newtype: String?, location: String)
        throws -> String
    {
        if field.defaultValue == "null" { return "nil" }
        let text = field.defaultValue
        switch wireType {
        case .bool:
            return text?.lowercased() == "true" ? "true" : "false"
        case .int8, .int16, .uint16, .int32, .uint32, .int64:
            let value = try text.map { try parseInteger($0, location: location) } ?? 0
            return newtype.map { "\($0)(\(value))" } ?? String(value)
        case .float64:
            guard let text else { return "0" }
            guard let value = Double(text) else { throw CodegenError("\(location): bad float default \(text)") }
            return String(value)
        case .string:
            return swiftStringLiteral(text ?? "")
        case .bytes:
            return "ByteBuffer()"
        case .records:
            return "nil"
        case .uuid:
            return "KafkaUUID.zero"
        case .array:
            return "[]"
        case .structure(let name):
            return "\(name)()"
        }
    }

    /// Integer defaults may be decimal, hex ("0x7fffffff") or octal (a leading 0), as Kafka's README allows.
    private func parseInteger(_ text: String, location: String) throws -> Int64 {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let radix: Int
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.count > 1 && digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        } else {
            radix = 10
        }
        guard let magnitude = Int64(digits, radix: radix) else {
            throw CodegenError("\(location): bad integer default \(text)")
        }
        return negative ? -magnitude : magnitude
    }
}

extension WireType {
    /// The struct named by a struct or struct-array type.
    var structName: String? {
        switch self {
        case .structure(let name): return name
        case .array(.structure(let name)): return name
        default: return nil
        }
    }
}

/// A Swift string literal for schema text (defaults are plain ASCII, but escape to be safe).
func swiftStringLiteral(_ text: String) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": literal += "\\\""
        case "\\": literal += "\\\\"
        case "\n": literal += "\\n"
        default: literal.unicodeScalars.append(scalar)
        }
    }
    return literal + "\""
}
