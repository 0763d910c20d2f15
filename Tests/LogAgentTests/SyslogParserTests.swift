import NIOCore
import Testing
@testable import LogAgent

@Suite struct SyslogParserTests {
    let parser = SyslogParser()
    static let received: Int64 = CivilTime(year: 2026, month: 3, day: 15, hour: 12).millisecondsSinceEpochAsUTC

    @Test func rfc5424WithStructuredDataFromTheRFC() throws {
        let line = #"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry..."#
        let message = try parser.parse(line, receivedAt: Self.received)
        #expect(message == SyslogMessage(
            facility: 20, severity: .notice, version: 1,
            timestamp: CivilTime(year: 2003, month: 10, day: 11, hour: 22, minute: 14, second: 15, millisecond: 3)
                .millisecondsSinceEpochAsUTC,
            hostname: "mymachine.example.com", appName: "evntslog", procID: nil, msgID: "ID47",
            structuredData: [
                .init(id: "exampleSDID@32473", parameters: [
                    .init(name: "iut", value: "3"), .init(name: "eventSource", value: "Application"),
                    .init(name: "eventID", value: "1011"),
                ]),
                .init(id: "examplePriority@32473", parameters: [.init(name: "class", value: "high")]),
            ],
            message: "An application event log entry..."))
        let event = message.event(raw: line, peer: "10.0.0.5", receivedAt: Self.received)
        #expect(event.host == "mymachine.example.com")
        #expect(event.service == "evntslog")
        #expect(event.severity == .notice)
        #expect(event.source == "syslog://10.0.0.5")
        #expect(event.raw == line)
        #expect(event.fields == [
            "facility": "local4", "msgid": "ID47",
            "structured_data": [
                "exampleSDID@32473": ["iut": "3", "eventSource": "Application", "eventID": "1011"],
                "examplePriority@32473": ["class": "high"],
            ],
        ])
    }

    @Test func rfc5424WithBOMOffsetAndNilValues() throws {
        let message = try parser.parse(
            "<34>1 2003-10-11T22:14:15.003-07:00 - su - - - \u{FEFF}'su root' failed for lonvick on /dev/pts/8",
            receivedAt: Self.received)
        #expect(message.facility == 4)
        #expect(message.severity == .critical)
        #expect(message.hostname == nil)
        #expect(message.appName == "su")
        #expect(message.timestamp == CivilTime(year: 2003, month: 10, day: 12, hour: 5, minute: 14, second: 15, millisecond: 3)
            .millisecondsSinceEpochAsUTC)
        #expect(message.message == "'su root' failed for lonvick on /dev/pts/8")
        let event = message.event(raw: "", peer: "192.0.2.1", receivedAt: Self.received)
        #expect(event.host == "192.0.2.1")
    }

    @Test func rfc5424WithoutMessageAndWithEscapesInStructuredData() throws {
        let noMessage = try parser.parse("<13>1 - host app 123 - -", receivedAt: Self.received)
        #expect(noMessage.timestamp == nil)
        #expect(noMessage.procID == "123")
        #expect(noMessage.message == "")
        let escaped = try parser.parse(#"<13>1 - h a - - [x@1 q="say \"hi\" \] \\ \n"] m"#, receivedAt: Self.received)
        #expect(escaped.structuredData == [.init(id: "x@1", parameters: [.init(name: "q", value: #"say "hi" ] \ \n"#)])])
        #expect(escaped.message == "m")
    }

    @Test(arguments: [
        ("<13>2 - h a - - - m", "unsupported RFC 5424 version 2"),
        ("<13>1 2003-13-11T22:14:15Z h a - - - m", "invalid TIMESTAMP '2003-13-11T22:14:15Z'"),
        ("<13>1 - h a - - [x@1 q=\"open] m", "unterminated PARAM-VALUE in [x@1]"),
        ("<13>1 - h a - -", "missing STRUCTURED-DATA"),
        ("<13>1 - h", "header ends after HOSTNAME"),
        ("<192>Oct 11 22:14:15 h a: m", "PRI 192 out of range 0-191"),
        ("<1x>Oct 11 22:14:15 h a: m", "malformed PRI"),
    ])
    func malformedMessagesNameTheProblem(line: String, reason: String) {
        #expect(throws: SyslogParseError(reason: reason)) { try parser.parse(line, receivedAt: Self.received) }
    }

    @Test func rfc3164Classic() throws {
        let message = try parser.parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                                       receivedAt: Self.received)
        #expect(message == SyslogMessage(
            facility: 4, severity: .critical, version: nil,
            timestamp: CivilTime(year: 2025, month: 10, day: 11, hour: 22, minute: 14, second: 15).millisecondsSinceEpochAsUTC,
            hostname: "mymachine", appName: "su", procID: nil,
            message: "'su root' failed for lonvick on /dev/pts/8"))
    }

    @Test func rfc3164Variants() throws {
        let withPID = try parser.parse("<86>Mar  5 08:00:01 web-1 sshd[4242]: Accepted publickey for deploy", receivedAt: Self.received)
        #expect(withPID.hostname == "web-1")
        #expect(withPID.appName == "sshd")
        #expect(withPID.procID == "4242")
        #expect(withPID.message == "Accepted publickey for deploy")
        #expect(withPID.facility == 10)

        // A local daemon writing to /dev/log: no hostname.
        let local = try parser.parse("<30>Mar 15 10:00:01 systemd[1]: Started Session 7 of user root.", receivedAt: Self.received)
        #expect(local.hostname == nil)
        #expect(local.appName == "systemd")
        #expect(local.message == "Started Session 7 of user root.")

        // RFC 3164 example without a TAG.
        let noTag = try parser.parse("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", receivedAt: Self.received)
        #expect(noTag.hostname == "10.0.0.99")
        #expect(noTag.appName == nil)
        #expect(noTag.message == "Use the BFG!")

        // rsyslog's high-precision timestamp.
        let precise = try parser.parse("<14>2026-03-15T11:59:58.250+01:00 db-2 postgres[77]: checkpoint complete", receivedAt: Self.received)
        #expect(precise.timestamp == CivilTime(year: 2026, month: 3, day: 15, hour: 10, minute: 59, second: 58, millisecond: 250)
            .millisecondsSinceEpochAsUTC)
        #expect(precise.hostname == "db-2")
        #expect(precise.appName == "postgres")

        // No PRI at all: user.notice, everything else as usual.
        let noPRI = try parser.parse("Mar 15 11:00:00 host cron[9]: job ran", receivedAt: Self.received)
        #expect(noPRI.facility == 1)
        #expect(noPRI.severity == .notice)
        #expect(noPRI.appName == "cron")

        // Garbage is a message without header, never an error.
        let garbage = try parser.parse("<13>hello world", receivedAt: Self.received)
        #expect(garbage.timestamp == nil)
        #expect(garbage.hostname == nil)
        #expect(garbage.message == "hello world")
    }

    @Test func rfc3164TimeZoneApplies() throws {
        let parser = SyslogParser(zone: .fixed(secondsEast: 3600))
        let message = try parser.parse("<13>Mar 15 11:00:00 h a: m", receivedAt: Self.received)
        #expect(message.timestamp == CivilTime(year: 2026, month: 3, day: 15, hour: 10).millisecondsSinceEpochAsUTC)
    }
}

@Suite struct SyslogFrameDecoderTests {
    func frames(_ chunks: [String], maximumFrameBytes: Int = 1024) -> [String] {
        let decoder = SyslogFrameDecoder(maximumFrameBytes: maximumFrameBytes)
        var buffer = ByteBuffer()
        var frames: [String] = []
        for chunk in chunks {
            buffer.writeString(chunk)
            while let frame = decoder.nextFrame(from: &buffer, atEnd: false) { frames.append(String(buffer: frame)) }
        }
        while let frame = decoder.nextFrame(from: &buffer, atEnd: true) { frames.append(String(buffer: frame)) }
        return frames
    }

    @Test func octetCountingAndNewlinesMixedAcrossChunkBoundaries() {
        #expect(frames(["12 <13>1 - h a", " 15 <13>hello\nworld\n", "<14>second line\r\n<15>tail"])
            == ["<13>1 - h a ", "<13>hello\nworld", "<14>second line", "<15>tail"])
        #expect(frames(["1", "1 <13>abc def", "<13>x\n"]) == ["<13>abc def", "<13>x"])
    }

    @Test func digitsNotFollowedByAMessageAreALine() {
        #expect(frames(["2024-01-01 started\n"]) == ["2024-01-01 started"])
        #expect(frames(["42 is the answer\n"]) == ["42 is the answer"])
    }

    @Test func overlongFramesAreCutNotDropped() {
        #expect(frames([String(repeating: "a", count: 25) + "\n"], maximumFrameBytes: 10)
            == ["aaaaaaaaaa", "aaaaaaaaaa", "aaaaa"])
        // An octet count beyond the limit is not trusted as a count.
        #expect(frames(["99999 <13>x\n"], maximumFrameBytes: 100) == ["99999 <13>x"])
    }
}
