/// The one table that gives integer fields a domain newtype (Sources/KafkaProtocol/Domain) instead of
/// a bare integer, so an offset cannot be passed where a partition index is expected. Rules match the
/// field name with its first letter capitalised (internal/*.json spells names in lowerCamel), and the
/// wire type must match exactly; `[]int32` rules give arrays of the newtype.
struct DomainTypeRule: Sendable {
    enum NamePattern: Sendable {
        case exactly(Set<String>)
        case suffix(String)

        func matches(_ name: String) -> Bool {
            switch self {
            case .exactly(let names): return names.contains(name)
            case .suffix(let suffix): return name.hasSuffix(suffix)
            }
        }
    }

    let swiftType: String
    let wireType: WireType
    let names: [NamePattern]
    /// Restricts the rule to one message, for names too generic to map everywhere ("Index").
    let onlyInMessage: String?

    init(_ swiftType: String, _ wireType: WireType, _ names: NamePattern..., onlyIn message: String? = nil) {
        self.swiftType = swiftType
        self.wireType = wireType
        self.names = names
        self.onlyInMessage = message
    }

    static let table: [DomainTypeRule] = [
        DomainTypeRule("Offset", .int64, .exactly(["HighWatermark"]), .suffix("Offset")),
        DomainTypeRule("PartitionIndex", .int32, .exactly(["PartitionIndex", "Partition", "PartitionId"])),
        DomainTypeRule("PartitionIndex", .int32, .exactly(["Index"]), onlyIn: "ProduceRequest"),
        DomainTypeRule("PartitionIndex", .int32, .exactly(["Index"]), onlyIn: "ProduceResponse"),
        DomainTypeRule("PartitionIndex", .array(.int32), .exactly(["PartitionIndexes", "Partitions"])),
        DomainTypeRule(
            "LeaderEpoch", .int32,
            .exactly(["LeaderEpoch", "CurrentLeaderEpoch", "PartitionLeaderEpoch", "LastFetchedEpoch"])),
        DomainTypeRule("ProducerID", .int64, .exactly(["ProducerId"])),
        DomainTypeRule("ProducerEpoch", .int16, .exactly(["ProducerEpoch"])),
        DomainTypeRule("ErrorCode", .int16, .suffix("ErrorCode")),
        DomainTypeRule("BrokerID", .int32, .exactly(["NodeId", "BrokerId", "LeaderId", "ControllerId"])),
        DomainTypeRule("BrokerID", .array(.int32), .exactly(["ReplicaNodes", "IsrNodes", "OfflineReplicas"])),
    ]

    /// The newtype for a field, or nil to keep the plain integer. For arrays it names the element type.
    static func newtype(forField name: String, wireType: WireType, inMessage message: String) -> String? {
        let capitalised = name.prefix(1).uppercased() + name.dropFirst()
        for rule in table where rule.wireType == wireType {
            if let only = rule.onlyInMessage, only != message { continue }
            if rule.names.contains(where: { $0.matches(capitalised) }) { return rule.swiftType }
        }
        return nil
    }

    /// The table as Markdown rows, for Generated/README.md.
    static var markdownRows: [String] {
        table.map { rule in
            let names = rule.names.map { pattern -> String in
                switch pattern {
                case .exactly(let names): return names.sorted().map { "`\($0)`" }.joined(separator: ", ")
                case .suffix(let suffix): return "ending in `\(suffix)`"
                }
            }.joined(separator: ", ")
            let wire: String
            let swift: String
            if case .array(let element) = rule.wireType {
                wire = "[]\(element.jsonName)"
                swift = "[\(rule.swiftType)]"
            } else {
                wire = rule.wireType.jsonName
                swift = rule.swiftType
            }
            let scope = rule.onlyInMessage.map { " (only in \($0))" } ?? ""
            return "| \(wire) | \(names)\(scope) | `\(swift)` |"
        }
    }
}

extension WireType {
    /// The schema's spelling, for documentation.
    var jsonName: String {
        switch self {
        case .array(let element): return "[]" + element.jsonName
        case .structure(let name): return name
        case .float64: return "float64"
        case .uuid: return "uuid"
        default: return swiftType.lowercased()
        }
    }
}
