import GroupCoordination
import KafkaProtocol
import NIOCore
import Testing

/// KIP-429 (cooperative-sticky): the broker sees only ordinary rebalances, but two in a row —
/// members first give up the partitions that move, then rejoin so they can be handed over.
@Suite struct CooperativeRebalanceTests {
    @Test func partitionsMoveInTwoRebalancesWithCorrectGenerations() {
        var harness = CoordinatorHarness()
        let cooperative = { (owned: String) in [protocolNamed("cooperative-sticky", metadata: "owned:\(owned)")] }
        let a = harness.joinNewMember("g", client: "a", protocols: cooperative(""))
        let first = harness.joinResult(a.token)
        _ = harness.sync("g", generation: first?.generationID ?? -1, memberID: a.memberID, assignments: [a.memberID: "p0,p1"])
        let g1 = first?.generationID ?? -1

        // b joins: a rejoins with what it owns; the leader (a) gives b nothing yet and takes p1 away from a.
        let b = harness.joinNewMember("g", client: "b", protocols: cooperative(""))
        #expect(harness.heartbeat("g", generation: g1, memberID: a.memberID) == .rebalanceInProgress)
        #expect(harness.commit("g", generation: g1, memberID: a.memberID, offsets: ["t-1": 100]) == [.none])
        let aRejoin = harness.join("g", memberID: a.memberID, client: "a", protocols: cooperative("p0,p1"))
        let g2 = harness.joinResult(aRejoin)?.generationID ?? -1
        #expect(g2 == g1 + 1)
        #expect(harness.joinResult(aRejoin)?.members.map { String(buffer: $0.metadata) } == ["owned:p0,p1", "owned:"])
        let bSync = harness.sync("g", generation: g2, memberID: b.memberID)
        _ = harness.sync("g", generation: g2, memberID: a.memberID, assignments: [a.memberID: "p0", b.memberID: ""])
        #expect(harness.syncResult(bSync).map { String(buffer: $0.assignment) } == "")
        #expect(harness.state("g") == .stable)

        // a revoked p1 and rejoins at once; b learns of the second rebalance from its heartbeat.
        let aSecond = harness.join("g", memberID: a.memberID, client: "a", protocols: cooperative("p0"))
        #expect(harness.state("g") == .preparingRebalance)
        #expect(harness.heartbeat("g", generation: g2, memberID: b.memberID) == .rebalanceInProgress)
        let bSecond = harness.join("g", memberID: b.memberID, client: "b", protocols: cooperative(""))
        let g3 = harness.joinResult(aSecond)?.generationID ?? -1
        #expect(g3 == g2 + 1)
        #expect(harness.joinResult(bSecond)?.generationID == g3)
        _ = harness.sync("g", generation: g3, memberID: a.memberID, assignments: [a.memberID: "p0", b.memberID: "p1"])
        let bFinal = harness.sync("g", generation: g3, memberID: b.memberID)
        #expect(harness.syncResult(bFinal).map { String(buffer: $0.assignment) } == "p1")

        // Only the current generation may commit.
        #expect(harness.commit("g", generation: g3, memberID: b.memberID, offsets: ["t-1": 101]) == [.none])
        #expect(harness.commit("g", generation: g2, memberID: a.memberID, offsets: ["t-0": 5]) == [.illegalGeneration])
        #expect(harness.committed("g", "t-1") == 101)
    }
}
