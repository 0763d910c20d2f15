import Testing
@testable import LogAgent

@Suite struct FieldParserTests {
    @Test func jsonObjectBecomesTypedFields() throws {
        let record = try JSONFieldParser().parse(
            #"{"level":"warn","msg":"disk \"almost\" full\n","pct":93.5,"count":12,"ok":false,"tags":["a",null],"ctx":{"user":"\u00e9\ud83d\ude00"}}"#,
            reference: 0)
        #expect(record.fields == [
            "level": "warn", "msg": "disk \"almost\" full\n", "pct": 93.5, "count": 12, "ok": false,
            "tags": ["a", nil], "ctx": ["user": "é😀"],
        ])
    }

    @Test(arguments: [
        ("[1,2]", "expected a JSON object"),
        ("{\"a\":1", "invalid JSON at byte 6: expected ',' or '}' in an object"),
        ("{\"a\":01}", "invalid JSON at byte 6: expected ',' or '}' in an object"),
        ("{\"a\":1} x", "invalid JSON at byte 8: unexpected text after the value"),
        ("{\"a\":\"\u{01}\"}", "invalid JSON at byte 6: control character in a string"),
        ("", "invalid JSON at byte 0: unexpected end of input"),
    ])
    func invalidJSONIsAParseError(text: String, reason: String) {
        #expect(throws: FieldParseError(reason)) { try JSONFieldParser().parse(text, reference: 0) }
    }

    @Test func deeplyNestedJSONIsRejectedNotCrashing() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: FieldParseError("invalid JSON at byte 68: nested deeper than 64 levels")) {
            try JSONFieldParser().parse("{\"a\":" + text, reference: 0)
        }
    }

    @Test func logfmt() throws {
        let record = try LogfmtParser().parse(
            #"time=2024-05-01T10:00:00Z level=info msg="request done \"ok\"" path=/api took=12ms cached empty="#,
            reference: 0)
        #expect(record.fields == [
            "time": "2024-05-01T10:00:00Z", "level": "info", "msg": #"request done "ok""#, "path": "/api",
            "took": "12ms", "cached": true, "empty": "",
        ])
        #expect(throws: FieldParseError("unterminated quoted value of 'msg'")) {
            try LogfmtParser().parse(#"level=info msg="open"#, reference: 0)
        }
        #expect(throws: FieldParseError("no key=value pairs")) { try LogfmtParser().parse("   ", reference: 0) }
    }

    @Test func regexNamedCaptures() throws {
        let parser = RegexParser(regex: try LogRegex(#"^(?<date>\S+) \[(?P<level>[A-Z]+)\] (?<component>\w+)(: (?<detail>.*))?$"#))
        #expect(parser.regex.groupNames == ["date", "level", "component", "detail"])
        let record = try parser.parse("2024-05-01 [ERROR] db: connection refused", reference: 0)
        #expect(record.fields == ["date": "2024-05-01", "level": "ERROR", "component": "db", "detail": "connection refused"])
        let partial = try parser.parse("2024-05-01 [INFO] boot", reference: 0)
        #expect(partial.fields == ["date": "2024-05-01", "level": "INFO", "component": "boot"])
        #expect(throws: FieldParseError("pattern does not match")) { try parser.parse("no", reference: 0) }
    }

    @Test func regexGroupNamesMayHaveUnderscores() throws {
        // ICU refuses `_` in group names; nginx-style field names need it.
        let parser = RegexParser(regex: try LogRegex(#"rt=(?<request_time>[0-9.]+) up=(?P<upstream_time>[0-9.]+)(?<=\d)"#))
        #expect(parser.regex.groupNames == ["request_time", "upstream_time"])
        let record = try parser.parse("GET / rt=0.120 up=0.100", reference: 0)
        #expect(record.fields == ["request_time": "0.120", "upstream_time": "0.100"])
    }

    @Test func parseIntoTargetAndFromAnotherField() throws {
        let transform = ParseTransform(name: "p", parser: LogfmtParser(), source: .field(["payload"]), target: ["parsed", "kv"])
        var event = LogEvent(timestamp: 0, host: "h", source: "s", message: "m")
        event.fields["payload"] = "a=1 b=2"
        let result = try #require(transform.apply(event))
        #expect(result.fields == ["payload": "a=1 b=2", "parsed": ["kv": ["a": "1", "b": "2"]]])
        #expect(result.parseError == nil)
        var missing = event
        missing.fields = [:]
        #expect(transform.apply(missing)?.parseError == "p: fields.payload is missing")
    }
}
