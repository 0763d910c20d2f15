import Foundation
import Testing
@testable import ProcessorRuntime
import StreamProcessing

@Suite struct SampleGeneratorTests {
    static let start: Int64 = 1_795_600_800_000  // 2026-11-25T10:00:00Z

    static func take<Generator: SampleLogGenerator>(_ count: Int, from generator: Generator) -> [SampleRecord] {
        var generator = generator
        return (0..<count).map { _ in generator.next() }
    }

    static func json(_ record: SampleRecord) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(record.value.utf8)) as? [String: Any])
    }

    @Test func theSameSeedGivesTheSameRecords() {
        #expect(Self.take(300, from: WebTrafficGenerator(seed: 9, startMillis: Self.start))
                == Self.take(300, from: WebTrafficGenerator(seed: 9, startMillis: Self.start)))
        #expect(Self.take(300, from: WebTrafficGenerator(seed: 9, startMillis: Self.start))
                != Self.take(300, from: WebTrafficGenerator(seed: 10, startMillis: Self.start)))
        #expect(Self.take(300, from: AuthLogGenerator(seed: 9, startMillis: Self.start))
                == Self.take(300, from: AuthLogGenerator(seed: 9, startMillis: Self.start)))
        #expect(Self.take(300, from: HostMetricsGenerator(seed: 9, startMillis: Self.start))
                == Self.take(300, from: HostMetricsGenerator(seed: 9, startMillis: Self.start)))
    }

    @Test func aWebRequestWritesNginxsCombinedFormatWithTheRequestTime() {
        let request = WebRequest(
            timestampMillis: Self.start + 61_250, address: "81.2.69.142", userID: "u042", sessionID: "9f2c", method: "GET",
            path: "/products/17", status: 404, bytes: 5120, latencyMillis: 48.1234, referer: "-", userAgent: "curl/8.4.0")
        #expect(request.accessLogLine()
                == #"81.2.69.142 - - [25/Nov/2026:10:01:01 +0000] "GET /products/17 HTTP/1.1" 404 5120 "-" "curl/8.4.0" 0.048"#)
    }

    @Test func webEventsAreParseableAccessLogsWithLateDeliveries() throws {
        let records = Self.take(2000, from: WebTrafficGenerator(seed: 1, startMillis: Self.start, eventsPerSecond: 20,
                                                               lateEvery: 500, lateByMillis: [40_000, 900_000]))
        for record in records {
            let event = try Self.json(record)
            #expect(CivilTime.parseMillis(try #require(event["ts"] as? String)) == record.timestampMillis)
            #expect(event["user_id"] as? String == record.key)
            #expect((100...599).contains(try #require(event["status"] as? Int)))
            #expect(try #require(event["latency_ms"] as? Double) > 0)
        }
        // Record 500 is 40 s behind the clock, record 1000 fifteen minutes (less the gap since the record before).
        #expect((38_000...40_000).contains(records[498].timestampMillis - records[499].timestampMillis))
        #expect((898_000...900_000).contains(records[998].timestampMillis - records[999].timestampMillis))
        let span = records[1998].timestampMillis - records[0].timestampMillis
        #expect((80_000...120_000).contains(span))  // about 20 events per second of event time
    }

    @Test func anAnomalyRaisesOneHostsLatencyAndErrorsForItsDuration() throws {
        let anomaly = HostMetricsGenerator.Anomaly(host: "api-01", startMillis: Self.start + 600_000, durationMillis: 300_000)
        let records = Self.take(8 * 6 * 20, from: HostMetricsGenerator(seed: 2, startMillis: Self.start, anomaly: anomaly))
        #expect(HostMetricsGenerator.hostNames(count: 5) == ["web-01", "api-01", "db-01", "cache-01", "web-02"])
        func latency(_ record: SampleRecord) -> Double {
            Double(record.value.split(separator: " ").first { $0.hasPrefix("latency_ms=") }!.dropFirst(11))!
        }
        let api = records.filter { $0.key == "api-01" }
        let during = api.filter { $0.timestampMillis >= anomaly.startMillis && $0.timestampMillis < anomaly.startMillis + anomaly.durationMillis }
        let outside = api.filter { !during.contains($0) }
        #expect(during.count == 30)
        #expect(during.map(latency).min()! > 3 * outside.map(latency).max()!)
        #expect(records.filter { $0.key == "web-01" }.count == 120)
    }

    @Test func authEventsHoldBurstsAndImpossibleTravel() throws {
        let events = try Self.take(3000, from: AuthLogGenerator(seed: 4, startMillis: Self.start, burstEvery: 400, travelEvery: 300)).map(Self.json)
        let failures = Dictionary(grouping: events.filter { $0["outcome"] as? String == "failure" }) { $0["src_ip"] as! String }
        #expect(failures.values.filter { $0.count >= 12 }.count >= 5)
        let countries = Dictionary(grouping: events.filter { $0["outcome"] as? String == "success" }) { $0["user"] as! String }
            .mapValues { Set($0.map { $0["country"] as! String }) }
        #expect(countries.values.filter { $0.count >= 2 }.count >= 5)
        let times = events.map { CivilTime.parseMillis($0["ts"] as! String)! }
        #expect(times == times.sorted())
    }
}
