import Foundation
import KafkaClient
import Testing

/// The `logport` client subcommands, run as a separate process against the test cluster.
@Suite("logport CLI end to end")
struct CLITests {
    static func cluster() throws -> [String] { ["-b", try TestCluster.bootstrap, "--timeout", "10"] }

    static func jsonObjects(_ result: CommandResult) throws -> [[String: Any]] {
        try result.stdoutLines.map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test("topics create, list, describe, alter and delete")
    func topics() async throws {
        let topic = TestCluster.uniqueTopic("cli-topics")
        let created = try await runLogport(["topics", "create", topic, "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000"] + Self.cluster())
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == "Created topic \(topic).\n")

        let table = try await runLogport(["topics", "list"] + Self.cluster())
        #expect(table.status == 0)
        #expect(table.stdoutLines.first?.hasPrefix("TOPIC") == true)
        #expect(table.stdoutLines.contains { $0.split(separator: " ", omittingEmptySubsequences: true) == [Substring(topic), "3", "1"] })

        let listed = try await runLogport(["topics", "list", "--output", "json"] + Self.cluster())
        let topics = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let entry = try #require(topics.first { $0["name"] as? String == topic })
        #expect(entry["partitions"] as? Int == 3)
        #expect(entry["replicationFactor"] as? Int == 1)

        let altered = try await runLogport(["topics", "alter", topic, "--config", "retention.bytes=1000000"] + Self.cluster())
        #expect(altered.status == 0, "\(altered.stderr)")
        let described = try await runLogport(["topics", "describe", topic, "--output", "json"] + Self.cluster())
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        #expect((detail["partitions"] as? [[String: Any]])?.count == 3)
        #expect(detail["configs"] as? [String: String] == ["retention.ms": "3600000", "retention.bytes": "1000000"])

        let deleted = try await runLogport(["topics", "delete", topic] + Self.cluster())
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let after = try await runLogport(["topics", "list"] + Self.cluster())
        #expect(!after.stdout.contains(topic))
    }

    @Test("produce lines from stdin with keys and headers, consume them back as JSON")
    func produceAndConsume() async throws {
        let topic = TestCluster.uniqueTopic("cli-roundtrip")
        _ = try await createTopic(topic, partitions: 1)
        let lines = (0..<50).map { "user-\($0 % 5)|GET /items/\($0) 200 \($0 * 7)ms" }
        let produced = try await runLogport(
            ["produce", topic, "--key-separator", "|", "--header", "source=cli-test", "--header", "env=ci", "--compression", "zstd", "--acks", "all"]
                + Self.cluster(), input: lines.joined(separator: "\n") + "\n")
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stderr.contains("Produced 50 records to \(topic)."))

        let consumed = try await runLogport(
            ["consume", topic, "--from-beginning", "--max-messages", "50", "--output", "json"] + Self.cluster(), limit: .seconds(30))
        #expect(consumed.status == 0, "\(consumed.stderr)")
        let records = try Self.jsonObjects(consumed)
        #expect(records.count == 50)
        for (index, record) in records.enumerated() {
            #expect(record["topic"] as? String == topic)
            #expect(record["partition"] as? Int == 0)
            #expect(record["offset"] as? Int == index)
            #expect(record["key"] as? String == "user-\(index % 5)")
            #expect(record["value"] as? String == "GET /items/\(index) 200 \(index * 7)ms")
            #expect((record["timestamp"] as? Int).map { $0 > 1_700_000_000_000 } == true)
            let headers = record["headers"] as? [[String: String]]
            #expect(headers == [["key": "source", "value": "cli-test"], ["key": "env", "value": "ci"]])
        }

        let fromOffset = try await runLogport(["consume", topic, "--partition", "0", "--offset", "48", "--max-messages", "2"] + Self.cluster())
        #expect(fromOffset.stdoutLines == ["GET /items/48 200 336ms", "GET /items/49 200 343ms"])
    }

    @Test("a missing topic is a clear error with a non-zero exit")
    func missingTopic() async throws {
        let topic = TestCluster.uniqueTopic("cli-missing")
        for command in [["consume", topic], ["produce", topic], ["topics", "describe", topic], ["perf", "produce", topic, "--records", "10"]] {
            let result = try await runLogport(command + Self.cluster(), input: "x\n", limit: .seconds(20))
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("topic '\(topic)' does not exist"), "\(command): \(result.stderr)")
        }
    }

    @Test("a wrong address fails within --timeout with the connection error")
    func wrongAddress() async throws {
        for command in [["topics", "list"], ["consume", "logs"], ["produce", "logs"], ["groups", "list"]] {
            let result = try await runLogport(command + ["-b", FailureTests.deadAddress, "--timeout", "2"], input: "x\n", limit: .seconds(20))
            #expect(result.status != 0, "\(command)")
            #expect(result.duration < .seconds(10), "\(command) took \(result.duration)")
            #expect(result.stderr.contains("Error:"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains(FailureTests.deadAddress) || result.stderr.lowercased().contains("refused"), "\(command): \(result.stderr)")
        }
    }

    @Test("perf produce and perf e2e report throughput and latency percentiles")
    func perf() async throws {
        let topic = TestCluster.uniqueTopic("cli-perf")
        _ = try await createTopic(topic, partitions: 2)
        let produce = try await runLogport(["perf", "produce", topic, "--records", "2000", "--record-size", "150", "--output", "json"] + Self.cluster())
        #expect(produce.status == 0, "\(produce.stderr)")
        let produceResult = try #require(try Self.jsonObjects(produce).first)
        #expect(produceResult["records"] as? Int == 2000)
        #expect(produceResult["bytes"] as? Int == 300_000)
        let latency = try #require(produceResult["latency"] as? [String: Any])
        #expect(latency["count"] as? Int == 2000)
        #expect(((latency["p99Ms"] as? Double) ?? 0) >= ((latency["p50Ms"] as? Double) ?? 1))

        let consume = try await runLogport(["perf", "consume", topic, "--records", "2000", "--output", "json"] + Self.cluster())
        #expect(consume.status == 0, "\(consume.stderr)")
        #expect(try Self.jsonObjects(consume).first?["records"] as? Int == 2000)

        let e2e = try await runLogport(["perf", "e2e", topic, "--records", "500", "--throughput", "1000", "--output", "json"] + Self.cluster())
        #expect(e2e.status == 0, "\(e2e.stderr)")
        let e2eResult = try #require(try Self.jsonObjects(e2e).first)
        #expect(e2eResult["records"] as? Int == 500)
        #expect((e2eResult["latency"] as? [String: Any])?["count"] as? Int == 500)
    }

    @Test("groups describe shows lag and reset-offsets moves it", .enabled("the broker serves consumer groups") { await TestCluster.supportsConsumerGroups() })
    func groups() async throws {
        let topic = TestCluster.uniqueTopic("cli-groups")
        let group = "cli-\(UUID().uuidString.prefix(8))"
        _ = try await createTopic(topic, partitions: 1)
        _ = try await runLogport(["produce", topic] + Self.cluster(), input: (0..<10).map { "line \($0)" }.joined(separator: "\n"))
        let consumed = try await runLogport(["consume", topic, "--group", group, "--from-beginning", "--max-messages", "10"] + Self.cluster())
        #expect(consumed.status == 0, "\(consumed.stderr)")

        let listed = try await runLogport(["groups", "list", "--output", "json"] + Self.cluster())
        #expect(listed.stdout.contains(group))
        let described = try await runLogport(["groups", "describe", group, "--output", "json"] + Self.cluster())
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        let partitions = try #require(detail["partitions"] as? [[String: Any]])
        #expect(partitions.count == 1)
        #expect(partitions.first?["committedOffset"] as? Int == 10)
        #expect(partitions.first?["lag"] as? Int == 0)

        let dryRun = try await runLogport(["groups", "reset-offsets", group, "--topic", topic, "--to-earliest"] + Self.cluster())
        #expect(dryRun.stderr.contains("Dry run"))
        let reset = try await runLogport(["groups", "reset-offsets", group, "--topic", topic, "--to-earliest", "--execute", "--output", "json"] + Self.cluster())
        #expect(reset.status == 0, "\(reset.stderr)")
        let afterReset = try await runLogport(["groups", "describe", group, "--output", "json"] + Self.cluster())
        #expect(afterReset.stdout.contains("\"lag\":10"))
    }
}
