/// A partition's health, Burrow's statuses in rising severity.
public enum PartitionStatus: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Too few samples to judge yet.
    case unknown = "UNKNOWN"
    case ok = "OK"
    /// Committing, but lag never went down: the consumer is slower than the producers.
    case warning = "WARN"
    /// Nobody holds the partition and its committed offset stopped moving while there is lag.
    case stop = "STOP"
    /// A consumer holds the partition but its committed offset does not move while there is lag.
    case stall = "STALL"
    /// The committed offset went backwards: someone reset or rewound the group.
    case rewind = "REWIND"

    public var severity: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }

    /// What the partition makes of its group, as Burrow maps them: STOP, STALL and REWIND are errors.
    public var groupStatus: GroupStatus {
        switch self {
        case .unknown: .unknown
        case .ok: .ok
        case .warning: .warning
        case .stop, .stall, .rewind: .error
        }
    }
}

/// A consumer group's health: the worst of its partitions.
public enum GroupStatus: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case unknown = "UNKNOWN"
    case ok = "OK"
    case warning = "WARN"
    case error = "ERR"

    public var severity: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.severity < rhs.severity }
}
