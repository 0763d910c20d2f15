import NIOConcurrencyHelpers
import Testing
@testable import LogAgent

@Suite struct EventEncodingTests {
    @Test func jsonHasAFixedMemberOrderAndSortedFields() {
        let event = LogEvent(
            timestamp: 971_211_336_123, host: "web-1", source: "/var/log/app.log", service: "api", severity: .error,
            message: "tab\there \"quoted\" \u{1}", fields: ["z": 1, "a": ["y": 2.5, "b": [true, nil]], "é": "ü"])
        #expect(String(decoding: EventEncoding.json.encode(event), as: UTF8.self)
            == #"{"timestamp":"2000-10-10T20:55:36.123Z","host":"web-1","source":"/var/log/app.log","service":"api","severity":"error","message":"tab\there \"quoted\" \u0001","fields":{"a":{"b":[true,null],"y":2.5},"z":1,"é":"ü"}}"#)
        #expect(EventEncoding.raw.encode(event) == Array("tab\there \"quoted\" \u{1}".utf8))
    }

    @Test func anEncoderReusingTheFieldOrderWritesWhatASingleEncodeWrites() {
        let fieldSets: [[String: FieldValue]] = [["b": 1, "a": 2], ["a": 3, "b": 4], ["a": 5, "c": 6], ["a": 7], [:], ["é": 1, "z": 2, "a": 3]]
        var encoder = EventEncoding.Encoder(.json)
        for fields in fieldSets {
            let event = LogEvent(timestamp: 0, host: "h", source: "s", message: "m", fields: fields)
            var output: [UInt8] = []
            encoder.encode(event, into: &output)
            #expect(output == EventEncoding.json.encode(event))
            let members = fields.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
                .map { member -> String in
                    guard case .int(let number) = member.value else { return "" }
                    return "\"\(member.key)\":\(number)"
                }
            #expect(String(decoding: output, as: UTF8.self)
                == #"{"timestamp":"1970-01-01T00:00:00.000Z","host":"h","source":"s","message":"m","fields":{"#
                + members.joined(separator: ",") + "}}")
        }
    }

    @Test func stringsAreQuotedByteForByteAsTheSpecSays() {
        // Escapable bytes at every position relative to the eight-byte steps of the fast scan.
        var random = SeededRandom(seed: 11)
        let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "é", "日", "~", "\u{7F}"]
        for length in 0..<40 {
            let text = (0..<length).map { _ in alphabet.randomElement(using: &random)! }.joined()
            var written: [UInt8] = []
            JSONWriter.writeString(text, to: &written)
            var expected = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": expected += "\\\""
                case "\\": expected += "\\\\"
                case "\n": expected += "\\n"
                case "\t": expected += "\\t"
                case _ where scalar.value < 0x20: expected += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: expected.unicodeScalars.append(scalar)
                }
            }
            expected += "\""
            #expect(String(decoding: written, as: UTF8.self) == expected, "length \(length)")
        }
    }

    @Test func failedEventsCarryRawAndParseError() {
        var event = LogEvent(timestamp: 0, host: "h", source: "stdin", message: "x", raw: "<13>x")
        event.noteParseError("first")
        event.noteParseError("second")
        #expect(String(decoding: EventEncoding.json.encode(event), as: UTF8.self)
            == #"{"timestamp":"1970-01-01T00:00:00.000Z","host":"h","source":"stdin","message":"x","fields":{},"raw":"<13>x","parse_error":"first; second"}"#)
        #expect(EventEncoding.raw.encode(event) == Array("<13>x".utf8))
    }

    @Test func fieldPaths() {
        var event = LogEvent(timestamp: 5, host: "h", source: "s", message: "m", fields: ["host": "inner"])
        event.setField(["a", "b"], to: 1)
        #expect(event[FieldPath("host")!] == "h")
        #expect(event[FieldPath("fields.host")!] == "inner")
        #expect(event[FieldPath("a.b")!] == 1)
        #expect(event[FieldPath("a.c")!] == nil)
        #expect(event[FieldPath("timestamp")!] == 5)
        #expect(FieldPath("a..b") == nil)
        #expect(FieldPath("") == nil)
    }
}

@Suite struct TransformTests {
    func event(_ fields: [String: FieldValue], severity: Severity? = nil) -> LogEvent {
        LogEvent(timestamp: 0, host: "h", source: "s", severity: severity, message: "m", fields: fields)
    }

    @Test func conditions() throws {
        let status404 = event(["status": 404, "path": "/healthz"])
        func holds(_ field: String, _ test: FieldCondition.Test, _ event: LogEvent) -> Bool {
            FieldCondition(field: FieldPath(field)!, test: test).holds(for: event)
        }
        #expect(holds("status", .equals("404"), status404))
        #expect(!holds("status", .notEquals("404"), status404))
        #expect(holds("missing", .notEquals("404"), status404))
        #expect(holds("path", .contains("health"), status404))
        #expect(holds("path", .matches(try LogRegex("^/health")), status404))
        #expect(holds("status", .greaterThan(399), status404))
        #expect(!holds("path", .lessThan(5), status404))
        #expect(holds("status", .oneOf(["404", "500"]), status404))
        #expect(holds("path", .exists(true), status404))
        #expect(holds("nope", .exists(false), status404))
        #expect(holds("severity", .severityAtLeast(.warning), event([:], severity: .error)))
        #expect(!holds("severity", .severityAtLeast(.warning), event([:], severity: .notice)))
        #expect(!holds("severity", .severityAtLeast(.warning), event([:])))
    }

    @Test func filterKeepsOrDrops() {
        let health = FieldCondition(field: .field(["path"]), test: .equals("/healthz"))
        let drop = FilterTransform(mode: .dropIf, conditions: [health])
        let keep = FilterTransform(mode: .keepIf, conditions: [health])
        #expect(drop.apply(event(["path": "/healthz"])) == nil)
        #expect(drop.apply(event(["path": "/"])) != nil)
        #expect(keep.apply(event(["path": "/healthz"])) != nil)
        #expect(keep.apply(event([:])) == nil)
    }

    @Test func samplingIsOneInNAndStablePerKey() {
        var counting = SampleTransform(rate: 3)
        #expect((0..<9).map { _ in counting.apply(event([:])) != nil } == [true, false, false, true, false, false, true, false, false])
        var keyed = SampleTransform(rate: 4, keyField: .field(["request_id"]),
                                    exclude: [FieldCondition(field: .severity, test: .severityAtLeast(.error))])
        let kept = (0..<400).filter { keyed.apply(event(["request_id": .string("r\($0)")])) != nil }
        #expect(kept.count > 60 && kept.count < 140)
        var again = SampleTransform(rate: 4, keyField: .field(["request_id"]))
        #expect((0..<400).filter { again.apply(event(["request_id": .string("r\($0)")])) != nil } == kept)
        #expect((0..<50).allSatisfy { _ in keyed.apply(event(["request_id": "dropped-key"], severity: .error)) != nil })
        #expect(keyed.apply(event([:])) != nil)
    }

    @Test func enrichAndSeverityMapping() {
        let enrich = EnrichTransform(addFields: ["env": "prod"], hostField: ["agent", "host"], agentHost: "agent-1", service: "web")
        var syslogEvent = event(["env": "dev"])
        syslogEvent.service = "sshd"
        let enriched = enrich.apply(syslogEvent)
        #expect(enriched?.fields == ["env": "prod", "agent": ["host": "agent-1"]])
        #expect(enriched?.service == "sshd")
        #expect(enrich.apply(event([:]))?.service == "web")

        let mapping = SeverityTransform(field: .field(["level"]), mapping: ["W": .warning], fallback: .informational)
        #expect(mapping.apply(event(["level": "W"]))?.severity == .warning)
        #expect(mapping.apply(event(["level": "FATAL"]))?.severity == .critical)
        #expect(mapping.apply(event(["level": 3]))?.severity == .error)
        #expect(mapping.apply(event(["level": "chatty"]))?.severity == .informational)
        #expect(SeverityTransform(field: .field(["level"])).apply(event([:], severity: .debug))?.severity == .debug)
    }
}

@Suite struct DeliveryTests {
    @Test func splitReceiptsFireOnceWhenAllPartsAreAcknowledged() {
        let fired = NIOLockedValueBox(0)
        let receipt = DeliveryReceipt { fired.withLockedValue { $0 += 1 } }
        let parts = receipt.split(into: 3)
        parts[0].acknowledge()
        parts[0].acknowledge()
        parts[2].acknowledge()
        #expect(fired.withLockedValue { $0 } == 0)
        parts[1].acknowledge()
        #expect(fired.withLockedValue { $0 } == 1)
        receipt.acknowledge()
        #expect(fired.withLockedValue { $0 } == 1)
    }

    @Test func boundedChannelBlocksSendersUntilTheConsumerCatchesUp() async {
        let channel = BoundedChannel(capacityBytes: 1, producers: 1)
        let one = PipelineEvent(LogEvent(timestamp: 0, host: "", source: "", message: "1"))
        let two = PipelineEvent(LogEvent(timestamp: 0, host: "", source: "", message: "2"))
        #expect(await channel.send(EventBatch([one])))
        let second = Task { await channel.send(EventBatch([two])) }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(await channel.receive(maxCount: 10)?.events.map(\.event.message) == ["1"])
        #expect(await second.value)
        channel.producerFinished()
        #expect(await channel.receive(maxCount: 10)?.events.map(\.event.message) == ["2"])
        #expect(await channel.receive(maxCount: 10) == nil)
    }

    @Test func cancelledOrAbandonedSendsGiveUp() async {
        let channel = BoundedChannel(capacityBytes: 1, producers: 1)
        let event = PipelineEvent(LogEvent(timestamp: 0, host: "", source: "", message: "x"))
        #expect(await channel.send(EventBatch([event])))
        let blocked = Task { await channel.send(EventBatch([event])) }
        try? await Task.sleep(for: .milliseconds(20))
        blocked.cancel()
        #expect(await blocked.value == false)
        let waiting = Task { await channel.send(EventBatch([event])) }
        try? await Task.sleep(for: .milliseconds(20))
        channel.abandon()
        #expect(await waiting.value == false)
        #expect(await channel.send(EventBatch([event])) == false)
    }
}
