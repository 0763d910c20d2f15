import Testing
@testable import LogAgent

@Suite struct AccessLogParserTests {
    let parser = AccessLogParser()

    @Test func apacheDocumentationExample() throws {
        let record = try parser.parse(
            #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#,
            reference: 0)
        #expect(record.fields == [
            "client": "127.0.0.1", "user": "frank", "request": "GET /apache_pb.gif HTTP/1.0", "method": "GET",
            "path": "/apache_pb.gif", "protocol": "HTTP/1.0", "status": 200, "bytes": 2326,
            "referer": "http://www.example.com/start.html", "user_agent": "Mozilla/4.08 [en] (Win98; I ;Nav)",
        ])
        #expect(record.timestamp == 971_211_336_000)
        #expect(record.severity == .informational)
    }

    @Test func nginxLineWithIPv6DashesAndServerError() throws {
        let record = try parser.parse(
            #"2001:db8::1 - - [25/Nov/2026:09:01:02 +0000] "POST /api/v1/orders?id=7 HTTP/2.0" 502 - "-" "curl/8.5.0""#,
            reference: 0)
        #expect(record.fields == [
            "client": "2001:db8::1", "request": "POST /api/v1/orders?id=7 HTTP/2.0", "method": "POST",
            "path": "/api/v1/orders?id=7", "protocol": "HTTP/2.0", "status": 502, "bytes": 0, "user_agent": "curl/8.5.0",
        ])
        #expect(record.severity == .error)
        #expect(record.timestamp == CivilTime(year: 2026, month: 11, day: 25, hour: 9, minute: 1, second: 2).millisecondsSinceEpochAsUTC)
    }

    @Test func tlsHandshakeOnPlainPortAndEscapedQuotes() throws {
        let record = try parser.parse(
            #"203.0.113.9 - - [01/Jan/2024:00:00:00 +0100] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "say \"hi\"""#,
            reference: 0)
        #expect(record.fields["request"] == #"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03"#)
        #expect(record.fields["method"] == nil)
        #expect(record.fields["user_agent"] == #"say "hi""#)
        #expect(record.severity == .warning)
        #expect(record.timestamp == CivilTime(year: 2023, month: 12, day: 31, hour: 23).millisecondsSinceEpochAsUTC)
    }

    @Test func commonLogFormatWithoutRefererAndAgent() throws {
        let record = try parser.parse(#"10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 304 0"#, reference: 0)
        #expect(record.fields["status"] == 304)
        #expect(record.fields["referer"] == nil)
        #expect(record.fields["user_agent"] == nil)
    }

    @Test(arguments: [
        ("", "missing client address"),
        ("10.0.0.1 - - 10/Oct/2000:13:55:36 -0700 \"GET / HTTP/1.1\" 200 1", "missing [time]"),
        ("10.0.0.1 - - [99/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1", "invalid time '99/Oct/2000:13:55:36 -0700'"),
        ("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1 200 1", "unterminated quoted request"),
        ("10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" OK 1", "invalid status"),
    ])
    func malformedLinesNameTheProblem(line: String, reason: String) {
        #expect(throws: FieldParseError(reason)) { try parser.parse(line, reference: 0) }
    }

    @Test func failedParseKeepsTheEventWithItsError() {
        let transform = ParseTransform(name: "parse_nginx", parser: parser)
        let event = LogEvent(timestamp: 5, host: "h", source: "/var/log/nginx/access.log", message: "garbage")
        let result = transform.apply(event)
        #expect(result?.message == "garbage")
        #expect(result?.raw == "garbage")
        #expect(result?.fields == [:])
        #expect(result?.parseError == "parse_nginx: missing client address")
    }
}
