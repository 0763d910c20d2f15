/// A classic group's state, as Kafka names it in DescribeGroups and ListGroups.
///
/// Empty → PreparingRebalance (a member joins) → CompletingRebalance (every expected member
/// rejoined, or the rebalance timeout passed) → Stable (the leader sent the assignment).
/// Any membership change sends Stable or CompletingRebalance back to PreparingRebalance;
/// a rebalance that ends without members ends in Empty. Dead is what a deleted or expired
/// group reports; the coordinator forgets such groups.
public enum GroupState: String, Sendable, CaseIterable, CustomStringConvertible {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"

    public var description: String { rawValue }

    /// Parses a ListGroups state filter, ignoring case as Kafka does.
    public init?(filterName: String) {
        guard let state = Self.allCases.first(where: { $0.rawValue.lowercased() == filterName.lowercased() }) else { return nil }
        self = state
    }
}
