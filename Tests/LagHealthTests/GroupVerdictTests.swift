import LagHealth
import Testing

@Suite("Group verdicts: the worst partition, with Burrow's mapping to ERR")
struct GroupVerdictTests {
    static func partition(_ status: PartitionStatus, lag: Int64 = 10, reason: String = "why") -> PartitionVerdict {
        PartitionVerdict(status: status, reason: reason, currentLag: lag, samples: 5, windowSize: 5)
    }

    @Test("STOP, STALL and REWIND make the group ERR", arguments: [PartitionStatus.stop, .stall, .rewind])
    func errors(status: PartitionStatus) {
        let verdict = GroupVerdict(partitions: [
            ("logs [0]", Self.partition(.ok, lag: 3)),
            ("logs [1]", Self.partition(status, lag: 95, reason: "committed offset 120 has not moved")),
            ("logs [2]", Self.partition(.warning, lag: 2)),
        ])
        #expect(verdict.status == .error)
        #expect(verdict.worstPartition == "logs [1]")
        #expect(verdict.totalLag == 100)
        #expect(verdict.reason == "2 of 3 partitions need attention; logs [1] \(status.rawValue): committed offset 120 has not moved")
    }

    @Test("a WARN partition among OK ones makes the group WARN")
    func warning() {
        let verdict = GroupVerdict(partitions: [("a [0]", Self.partition(.ok)), ("a [1]", Self.partition(.warning, reason: "lag grows"))])
        #expect(verdict.status == .warning)
        #expect(verdict.reason == "1 of 2 partitions need attention; a [1] WARN: lag grows")
    }

    @Test("all OK; OK with some still collecting; all collecting; no partitions")
    func quietGroups() {
        let ok = GroupVerdict(partitions: [("a [0]", Self.partition(.ok)), ("a [1]", Self.partition(.ok))])
        #expect(ok.status == .ok && ok.reason == "all 2 partitions OK")
        let mixed = GroupVerdict(partitions: [("a [0]", Self.partition(.ok)), ("a [1]", Self.partition(.unknown))])
        #expect(mixed.status == .ok && mixed.reason == "1 of 2 partitions OK, 1 still collecting samples")
        let collecting = GroupVerdict(partitions: [("a [0]", Self.partition(.unknown))])
        #expect(collecting.status == .unknown && collecting.reason == "collecting samples for 1 partition")
        let empty = GroupVerdict(partitions: [])
        #expect(empty.status == .unknown && empty.worstPartition == nil && empty.totalLag == 0)
    }

    @Test("among equally bad partitions the first by label decides")
    func stableWorst() {
        let verdict = GroupVerdict(partitions: [("b [0]", Self.partition(.stall)), ("a [5]", Self.partition(.stall)), ("a [1]", Self.partition(.ok))])
        #expect(verdict.worstPartition == "a [5]")
    }

    @Test("partition statuses rank as Burrow's: OK < WARN < STOP < STALL < REWIND")
    func ordering() {
        #expect(PartitionStatus.allCases.sorted() == [.unknown, .ok, .warning, .stop, .stall, .rewind])
        #expect(GroupStatus.allCases.sorted() == [.unknown, .ok, .warning, .error])
    }
}
