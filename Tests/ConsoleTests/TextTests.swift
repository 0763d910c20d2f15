@testable import Console
import KafkaClient
import LagHealth
import Testing

@Suite("Console text: escaping, JSON, numbers, charts")
struct TextTests {
    @Test("HTML escaping covers the five special characters and nothing else")
    func escaping() {
        #expect(HTMLText.escape(#"<a href="x">'Tom' & Jerry</a> ü"#) == "&lt;a href=&quot;x&quot;&gt;&#39;Tom&#39; &amp; Jerry&lt;/a&gt; ü")
    }

    @Test("path segments percent-encode everything but unreserved characters and decode back")
    func pathSegments() {
        let id = "a b/c?d%é"
        let encoded = HTMLText.pathSegment(id)
        #expect(encoded == "a%20b%2Fc%3Fd%25%C3%A9")
        #expect(HTMLText.decodePathSegment(encoded[...]) == id)
        #expect(HTMLText.decodePathSegment("bad%2"[...]) == nil)
        #expect(HTMLText.decodePathSegment("%FF"[...]) == nil, "not UTF-8")
    }

    @Test("JSON values are re-indented with key order and number spelling kept")
    func prettyJSON() {
        #expect(JSONText.prettyPrinted(#" {"z":1.50,"a":[1, {"b":"x,y:{}"}],"e":{},"f":[]}"#) == """
            {
              "z": 1.50,
              "a": [
                1,
                {
                  "b": "x,y:{}"
                }
              ],
              "e": {},
              "f": []
            }
            """)
        #expect(JSONText.prettyPrinted(#"{"q":"a\"b"}"#) == "{\n  \"q\": \"a\\\"b\"\n}")
        #expect(JSONText.prettyPrinted("plain text") == nil)
        #expect(JSONText.prettyPrinted("{broken") == nil)
        #expect(JSONText.prettyPrinted("42") == nil, "scalars stay as they are")
    }

    @Test("numbers, retention and sizes read as people write them")
    func numbers() {
        #expect(NumberText.grouped(Int64(0)) == "0")
        #expect(NumberText.grouped(Int64(1_234_567)) == "1,234,567")
        #expect(NumberText.grouped(Int64(-1000)) == "-1,000")
        #expect(NumberText.rate(0.25) == "0.25" && NumberText.rate(12.345) == "12.3" && NumberText.rate(1204.4) == "1,204")
        #expect(NumberText.retention(milliseconds: 604_800_000) == "7 days")
        #expect(NumberText.retention(milliseconds: 3_600_000) == "1 h")
        #expect(NumberText.retention(milliseconds: -1) == "forever")
        #expect(NumberText.bytes(1_073_741_824) == "1.0 GiB" && NumberText.bytes(-1) == "unlimited")
        #expect(NumberText.timestamp(milliseconds: 1_000_000_123) == "1970-01-12 13:46:40.123 UTC")
    }

    @Test("chart ceilings split into round grid steps")
    func ceilings() {
        #expect(LineChart.niceCeiling(50, steps: 4) == 80)
        #expect(LineChart.niceCeiling(40, steps: 4) == 40)
        #expect(LineChart.niceCeiling(0.3, steps: 4) == 0.4)
        #expect(LineChart.niceCeiling(0, steps: 4) == 4)
    }

    @Test("a chart escapes its labels and says so when it has too few points")
    func chart() {
        let empty = LineChart(series: [ChartSeries(name: "<lag>", points: [(1000, 5)])], unit: "records").svg()
        #expect(empty.contains("Collecting samples…") && empty.contains("&lt;lag&gt;"))
        let drawn = LineChart(series: [ChartSeries(name: "lag", points: [(0, 0), (5000, 40)])], unit: "records").svg()
        #expect(drawn.contains("<polyline class=\"line s0\""))
        #expect(drawn.contains(">−5 s</text>") && drawn.contains(">now</text>"))
    }
}

@Suite("SampleStore: bounded history, rates and pruning")
struct SampleStoreTests {
    static let partition = TopicPartition(topic: "t", partition: 0)

    static func round(_ time: Int64, high: Int64, groups: [String: [TopicPartition: OffsetSample]] = [:]) -> SamplingRound {
        SamplingRound(timestamp: time, endOffsets: [partition: WatermarkOffsets(low: 0, high: high)], groups: groups)
    }

    @Test("rates come from end-offset deltas; history never outgrows its length")
    func rates() async {
        let store = SampleStore(windowSize: 3, historyLength: 4)
        for (index, high) in [0, 50, 150, 150, 350, 400].enumerated() { await store.record(Self.round(Int64(index) * 1000, high: Int64(high))) }
        let history = await store.rateHistory(topic: "t")
        #expect(history.map(\.recordsPerSecond) == [0, 200, 50], "4 samples kept, 3 deltas")
        #expect(history.map(\.timestamp) == [3000, 4000, 5000])
        #expect(await store.produceRate(Self.partition) == Double(400 - 150) / 3)
    }

    @Test("a partition or group missing from a round is forgotten")
    func pruning() async {
        let store = SampleStore(windowSize: 3, historyLength: 4)
        let sample = OffsetSample(timestamp: 0, committedOffset: 1, endOffset: 5, isAssigned: false)
        await store.record(Self.round(0, high: 5, groups: ["g": [Self.partition: sample]]))
        #expect(await store.trackedGroupPartitions == 1)
        await store.record(SamplingRound(timestamp: 1000, endOffsets: [:], groups: [:]))
        #expect(await store.trackedPartitions == 0)
        #expect(await store.trackedGroupPartitions == 0)
        #expect(await store.lagHistory(group: "g").isEmpty)
        #expect(await store.status(intervalSeconds: 1).rounds == 2)
    }
}
