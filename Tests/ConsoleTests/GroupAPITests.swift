import Console
import Foundation
import KafkaClient
import LagHealth
import Testing

@Suite("Console API: consumer groups, lag and verdicts against a real broker")
struct GroupAPITests {
    @Test("a group's lag equals end − committed as the broker reports them; a stopped partition makes the group ERR")
    func lagAndVerdict() async throws {
        let topic = Broker.unique("lag")
        let group = Broker.unique("group")
        let admin = try await Broker.createTopic(topic, partitions: 2)
        try await produce(topic: topic, partition: 0, count: 10)
        try await produce(topic: topic, partition: 1, count: 6)
        let p0 = TopicPartition(topic: topic, partition: 0), p1 = TopicPartition(topic: topic, partition: 1)
        try await commit(group: group, [p0: 4, p1: 6])
        let harness = try ConsoleHarness(lagWindow: 3)

        let before = try await harness.json("/api/groups/\(group)", as: GroupDetail.self)
        let reported = try await admin.consumerGroupLag(group: group)
        #expect(before.partitions.map(\.committedOffset) == reported.map(\.committedOffset))
        #expect(before.partitions.map(\.endOffset) == reported.map { .some($0.endOffset) })
        #expect(before.partitions.map(\.lag) == [6, 0])
        #expect(before.summary.totalLag == 6)
        #expect(before.summary.status == .unknown)
        #expect(before.summary.reason == "waiting for the sampler's first round")

        await harness.sample(times: 3)
        let after = try await harness.json("/api/groups/\(group)", as: GroupDetail.self)
        #expect(after.partitions.map(\.status) == [.stop, .ok])
        #expect(after.partitions[0].reason.hasPrefix("no consumer holds the partition and committed offset 4 has not moved for at least"))
        #expect(after.partitions[0].reason.hasSuffix("; lag 6"))
        #expect(after.partitions[1].reason == "caught up: committed offset 6 is the end offset")
        #expect(after.summary.status == .error)
        #expect(after.summary.reason.hasPrefix("1 of 2 partitions need attention; \(topic) [0] STOP: "))
        #expect(after.lagHistory.map(\.totalLag) == [6, 6, 6])
        #expect(after.members.isEmpty)

        let groups = try await harness.json("/api/groups", as: [GroupSummary].self)
        let listed = try #require(groups.first { $0.group == group })
        #expect(listed.totalLag == 6 && listed.status == .error && listed.topics == [topic])
        try await admin.deleteTopics([topic])
    }

    @Test("a member that holds a partition without moving its offset makes it STALL", .timeLimit(.minutes(1)))
    func stalledMember() async throws {
        let topic = Broker.unique("stall")
        let group = Broker.unique("stalled")
        let admin = try await Broker.createTopic(topic, partitions: 1)
        try await produce(topic: topic, partition: 0, count: 8)
        let consumer = try KafkaConsumer(config: try Broker.config(["group.id": group, "enable.auto.commit": "false", "auto.offset.reset": "earliest"]))
        try consumer.subscribe(topics: [topic])
        for await event in consumer.events {
            if case .partitionsAssigned(let partitions) = event, !partitions.isEmpty { break }
        }
        try await consumer.commit([TopicPartition(topic: topic, partition: 0): 3])
        let harness = try ConsoleHarness(lagWindow: 3)
        await harness.sample(times: 3)

        let detail = try await harness.json("/api/groups/\(group)", as: GroupDetail.self)
        #expect(detail.members.count == 1)
        #expect(detail.members.first?.assignment == ["\(topic) [0]"])
        #expect(detail.partitions.first?.memberID == detail.members.first?.memberID)
        #expect(detail.partitions.first?.status == .stall)
        #expect(detail.partitions.first?.reason == "committed offset 3 has not moved for 3 samples while lag stayed 5")
        #expect(detail.summary.status == .error && detail.summary.members == 1)
        try await consumer.close()
        try await admin.deleteTopics([topic])
    }

    @Test("an unknown group is a 404")
    func unknownGroup() async throws {
        let harness = try ConsoleHarness()
        let group = Broker.unique("nobody")
        #expect(try await harness.get("/api/groups/\(group)", status: .notFound).contains("consumer group '\(group)' does not exist"))
    }

    @Test("a group id with markup and a slash is escaped on its page and found through its encoded path")
    func hostileGroupID() async throws {
        let topic = Broker.unique("escape")
        let group = #"<b onclick="x">evil</b>/1"#
        let admin = try await Broker.createTopic(topic, partitions: 1)
        try await produce(topic: topic, partition: 0, count: 2)
        try await commit(group: group, [TopicPartition(topic: topic, partition: 0): 1])
        let harness = try ConsoleHarness()
        let path = "/groups/%3Cb%20onclick%3D%22x%22%3Eevil%3C%2Fb%3E%2F1"

        let page = try await harness.get(path)
        #expect(page.contains("&lt;b onclick=&quot;x&quot;&gt;evil&lt;/b&gt;/1"))
        #expect(!page.contains(group))
        let detail = try await harness.json("/api\(path)", as: GroupDetail.self)
        #expect(detail.summary.group == group && detail.summary.totalLag == 1)
        let list = try await harness.get("/groups")
        #expect(list.contains(#"href="\#(path)""#))
        try await admin.deleteTopics([topic])
    }
}
