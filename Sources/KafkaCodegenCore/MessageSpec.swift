import Foundation

/// One JSON message definition (message/*.json, internal/*.json), as Kafka's schema README describes it.
struct MessageSpec: Decodable {
    enum Kind: String, Decodable {
        case request, response, header, data
    }

    let name: String
    let type: Kind
    let apiKey: Int16?
    let validVersions: Versions
    let flexibleVersions: Versions
    let latestVersionUnstable: Bool
    let fields: [FieldSpec]
    let commonStructs: [StructSpec]

    private enum CodingKeys: String, CodingKey {
        case name, type, apiKey, validVersions, flexibleVersions, latestVersionUnstable, fields, commonStructs
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(Kind.self, forKey: .type)
        apiKey = try container.decodeIfPresent(Int16.self, forKey: .apiKey)
        validVersions = try Versions(parsing: container.decode(String.self, forKey: .validVersions))
        flexibleVersions = try Versions(parsing: container.decode(String.self, forKey: .flexibleVersions))
        latestVersionUnstable = try container.decodeIfPresent(Bool.self, forKey: .latestVersionUnstable) ?? false
        fields = try container.decode([FieldSpec].self, forKey: .fields)
        commonStructs = try container.decodeIfPresent([StructSpec].self, forKey: .commonStructs) ?? []
    }
}

/// A struct shared by several fields of one message ("commonStructs").
struct StructSpec: Decodable {
    let name: String
    let versions: Versions
    let fields: [FieldSpec]

    private enum CodingKeys: String, CodingKey { case name, versions, fields }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        versions = try Versions(parsing: container.decode(String.self, forKey: .versions))
        fields = try container.decode([FieldSpec].self, forKey: .fields)
    }
}

/// One field. `versions` falls back to `taggedVersions` (TransactionLogValue's tagged fields give only the latter).
struct FieldSpec: Decodable {
    let name: String
    let type: String
    let versions: Versions
    let nullableVersions: Versions
    let taggedVersions: Versions
    let tag: UInt32?
    /// The JSON "default", normalised to text (the files write -1, "-1", "0x7fffffff", "null", "False").
    let defaultValue: String?
    /// A field-level override of the message's flexible versions (RequestHeader's ClientId says "none").
    let flexibleVersions: Versions?
    let about: String
    let fields: [FieldSpec]?

    private enum CodingKeys: String, CodingKey {
        case name, type, versions, nullableVersions, taggedVersions, tag, flexibleVersions, about, fields
        case defaultValue = "default"
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(String.self, forKey: .type)
        let tagged = try container.decodeIfPresent(String.self, forKey: .taggedVersions).map(Versions.init(parsing:))
        taggedVersions = tagged ?? .none
        if let versions = try container.decodeIfPresent(String.self, forKey: .versions) {
            self.versions = try Versions(parsing: versions)
        } else if let tagged {
            self.versions = tagged
        } else {
            throw CodegenError("field \(name) has neither versions nor taggedVersions")
        }
        nullableVersions = try container.decodeIfPresent(String.self, forKey: .nullableVersions)
            .map(Versions.init(parsing:)) ?? .none
        if let tagText = container.scalarText(forKey: .tag) {
            guard let tag = UInt32(tagText) else { throw CodegenError("field \(name): invalid tag \(tagText)") }
            self.tag = tag
        } else {
            tag = nil
        }
        flexibleVersions = try container.decodeIfPresent(String.self, forKey: .flexibleVersions)
            .map(Versions.init(parsing:))
        about = try container.decodeIfPresent(String.self, forKey: .about) ?? ""
        fields = try container.decodeIfPresent([FieldSpec].self, forKey: .fields)
        defaultValue = container.scalarText(forKey: .defaultValue)
    }
}

extension KeyedDecodingContainer {
    /// A value the files write sometimes as a string, sometimes as a number or boolean ("tag": "0",
    /// "default": -1), as text.
    fileprivate func scalarText(forKey key: Key) -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text }
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        if let flag = try? decodeIfPresent(Bool.self, forKey: key) { return String(flag) }
        return nil
    }
}

extension MessageSpec {
    /// Loads one schema file: JSON with `//` line comments.
    static func load(from url: URL) throws -> MessageSpec {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw CodegenError("cannot read \(url.path): \(error)")
        }
        do {
            return try JSONDecoder().decode(MessageSpec.self, from: Data(strippingLineComments(text).utf8))
        } catch {
            throw CodegenError("\(url.lastPathComponent): \(error)")
        }
    }
}

/// Removes `//` comments outside string literals (descriptions may contain "//", e.g. URLs).
func strippingLineComments(_ text: String) -> String {
    var output = String.UnicodeScalarView()
    var inString = false
    var escaped = false
    var inComment = false
    var previousWasSlash = false
    for scalar in text.unicodeScalars {
        if inComment {
            if scalar == "\n" {
                inComment = false
                output.append(scalar)
            }
            continue
        }
        if inString {
            output.append(scalar)
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                inString = false
            }
            continue
        }
        if scalar == "/" {
            if previousWasSlash {
                previousWasSlash = false
                inComment = true
            } else {
                previousWasSlash = true
            }
            continue
        }
        if previousWasSlash {
            output.append("/")
            previousWasSlash = false
        }
        if scalar == "\"" { inString = true }
        output.append(scalar)
    }
    return String(output)
}
