/// A consumer group's health: the worst partition's status mapped to a group status (STOP, STALL
/// and REWIND are ERR), with the worst partition's reason so the operator sees where to look.
public struct GroupVerdict: Sendable, Hashable, Codable {
    public var status: GroupStatus
    public var reason: String
    /// The partition that decided the status (the first of the worst, by label), nil for an empty group.
    public var worstPartition: String?
    public var totalLag: Int64

    public init(status: GroupStatus, reason: String, worstPartition: String?, totalLag: Int64) {
        self.status = status
        self.reason = reason
        self.worstPartition = worstPartition
        self.totalLag = totalLag
    }

    /// Combines partition verdicts labelled e.g. "logs [3]".
    public init(partitions: [(label: String, verdict: PartitionVerdict)]) {
        let totalLag = partitions.reduce(Int64(0)) { $0 + ($1.verdict.currentLag ?? 0) }
        let ordered = partitions.sorted { $0.label < $1.label }
        guard let worst = ordered.max(by: { $0.verdict.status < $1.verdict.status }) else {
            self.init(status: .unknown, reason: "no committed offsets to judge", worstPartition: nil, totalLag: 0)
            return
        }
        // max(by:) returns the last of equal maxima; report the first by label for a stable answer.
        let decisive = ordered.first { $0.verdict.status == worst.verdict.status } ?? worst
        let status = decisive.verdict.status.groupStatus
        let troubled = partitions.filter { $0.verdict.status > .ok }.count
        let reason: String
        switch status {
        case .unknown:
            reason = "collecting samples for \(partitions.count) partition\(partitions.count == 1 ? "" : "s")"
        case .ok:
            let collecting = partitions.filter { $0.verdict.status == .unknown }.count
            reason = collecting == 0
                ? "all \(partitions.count) partition\(partitions.count == 1 ? "" : "s") OK"
                : "\(partitions.count - collecting) of \(partitions.count) partitions OK, \(collecting) still collecting samples"
        case .warning, .error:
            reason = "\(troubled) of \(partitions.count) partitions need attention; \(decisive.label) \(decisive.verdict.status.rawValue): \(decisive.verdict.reason)"
        }
        self.init(status: status, reason: reason, worstPartition: decisive.label, totalLag: totalLag)
    }
}
