import Testing
@testable import StreamProcessing

@Suite struct TransformChainTests {
    static func run(_ specs: [TransformSpec], _ fields: [String: FieldValue], at time: Int64 = 0) throws -> TransformOutcome {
        var memory: [Int: DedupeMemory] = [:]
        return try TransformChain(specs).apply(event(fields, at: time), dedupeMemory: &memory)
    }

    @Test func jsonFlattensNestedObjectsAndKeepsArraysAsText() throws {
        let outcome = try Self.run([.parseJSON(field: "message")],
                                   ["message": .string(#"{"http":{"status":503,"path":"/x"},"tags":["a","b"],"ok":false,"n":null}"#)])
        guard case .kept(let event) = outcome else { Issue.record("\(outcome)"); return }
        #expect(event["http.status"] == .number(503))
        #expect(event["http.path"] == .string("/x"))
        #expect(event["tags"] == .string(#"["a","b"]"#))
        #expect(event["ok"] == .bool(false))
        #expect(event["n"] == .null)
        #expect(try Self.run([.parseJSON(field: "message")], ["message": .string("[1]")]) == .failed(.invalidJSON("not a JSON object")))
    }

    @Test func logfmtHandlesQuotesEscapesAndBareKeys() throws {
        let outcome = try Self.run([.parseLogfmt(field: "m")], ["m": .string(#"level=warn msg="disk \"sda\" full" retry path=/var"#)])
        guard case .kept(let event) = outcome else { Issue.record("\(outcome)"); return }
        #expect(event["level"] == .string("warn"))
        #expect(event["msg"] == .string(#"disk "sda" full"#))
        #expect(event["retry"] == .bool(true))
        #expect(event["path"] == .string("/var"))
    }

    @Test func regexNamedGroupsBecomeFields() throws {
        let outcome = try Self.run([.parseRegex(field: "m", pattern: #"^(?<method>[A-Z]+) (?<path>\S+) (?<status>\d{3})$"#)],
                                   ["m": .string("GET /api/items 404")])
        guard case .kept(let event) = outcome else { Issue.record("\(outcome)"); return }
        #expect(event["method"] == .string("GET"))
        #expect(event["path"] == .string("/api/items"))
        #expect(event["status"]?.numericValue == 404)
        #expect(try Self.run([.parseRegex(field: "m", pattern: "(?<a>x)")], ["m": .string("y")]) == .failed(.noRegexMatch(field: "m")))
        #expect(throws: TransformConfigError.self) { try TransformChain([.parseRegex(field: "m", pattern: "(unclosed")]) }
        #expect(throws: TransformConfigError.self) { try TransformChain([.parseRegex(field: "m", pattern: "no groups")]) }
    }

    @Test func filterRenameDeriveAndTimestamp() throws {
        let specs: [TransformSpec] = [
            .filter(FilterCondition(field: "status", op: .greaterOrEqual, value: .number(500))),
            .rename(from: "svc", to: "service"),
            .derive(field: "seconds", expression: .arithmetic(field: "ms", op: .divide, operand: 1000)),
            .derive(field: "label", expression: .template("{service}:{status}")),
            .timestamp(field: "at", format: .iso8601),
            .drop(fields: ["ms"]),
        ]
        let kept = try Self.run(specs, ["status": .string("503"), "svc": .string("api"), "ms": .number(250), "at": .string("2024-03-01T10:00:00.5+01:00")])
        guard case .kept(let event) = kept else { Issue.record("\(kept)"); return }
        #expect(event["service"] == .string("api"))
        #expect(event["svc"] == nil)
        #expect(event["seconds"] == .number(0.25))
        #expect(event["label"] == .string("api:503"))
        #expect(event["ms"] == nil)
        #expect(event.timeMillis == 1_709_283_600_500)
        #expect(try Self.run(specs, ["status": .number(200)]) == .removed)
        #expect(try Self.run([.filter(FilterCondition(field: "path", op: .matches, value: .string("^/api/")))], ["path": .string("/web")]) == .removed)
    }

    @Test func dedupeDropsRepeatsWithinTheIntervalOnly() throws {
        let chain = try TransformChain([.dedupe(keyFields: ["id"], withinMillis: 1000)])
        var memory: [Int: DedupeMemory] = [:]
        func outcome(_ id: String, _ time: Int64) -> Bool {
            if case .kept = chain.apply(event(["id": .string(id)], at: time), dedupeMemory: &memory) { return true }
            return false
        }
        #expect(outcome("a", 0))
        #expect(!outcome("a", 999))
        #expect(outcome("b", 500))
        #expect(outcome("a", 1000))
        #expect(!outcome("a", 1500))
    }

    @Test func civilTimeRoundTrips() {
        #expect(CivilTime.parseMillis("1970-01-01T00:00:00Z") == 0)
        #expect(CivilTime.parseMillis("2000-02-29 23:59:59.999") == 951_868_799_999)
        #expect(CivilTime.parseMillis("2024-13-01T00:00:00Z") == nil)
        #expect(CivilTime.parseMillis("yesterday") == nil)
        #expect(CivilTime.format(millis: 951_868_799_999) == "2000-02-29 23:59:59.999")
        #expect(CivilTime.format(millis: -1) == "1969-12-31 23:59:59.999")
    }
}
