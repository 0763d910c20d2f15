import Foundation
import Testing
@testable import LogAgent

@Suite struct TimestampParserTests {
    /// 2000-10-10T20:55:36Z
    static let instant: Int64 = 971_211_336_000
    static let reference: Int64 = CivilTime(year: 2026, month: 3, day: 15).millisecondsSinceEpochAsUTC

    @Test(arguments: [
        ("2000-10-10T20:55:36Z", TimestampFormat.rfc3339, instant),
        ("2000-10-10T20:55:36.123Z", .rfc3339, instant + 123),
        ("2000-10-10t20:55:36.123456789+00:00", .rfc3339, instant + 123),
        ("2000-10-10 22:55:36,5+02:00", .rfc3339, instant + 500),
        ("2000-10-10T13:55:36-0700", .rfc3339, instant),
        ("10/Oct/2000:13:55:36 -0700", .commonLog, instant),
        ("971211336", .epochSeconds, instant),
        ("971211336.25", .epochSeconds, instant + 250),
        ("971211336000", .epochMilliseconds, instant),
        ("2000-10-10 20:55:36", .pattern("%F %T"), instant),
        ("10.10.00 20h55m36s", .pattern("%d.%m.%y %Hh%Mm%Ss"), instant),
        ("Tue, 10 October 2000 20:55:36.9 +0000", .pattern("Tue, %d %B %Y %H:%M:%S.%f %z"), instant + 900),
    ])
    func formats(text: String, format: TimestampFormat, expected: Int64) {
        #expect(TimestampParser(formats: [format]).parse(text, reference: Self.reference) == expected)
    }

    @Test func syslogTimestampTakesTheYearFromTheReference() {
        let parser = TimestampParser(formats: [.syslog])
        #expect(parser.parse("Oct 11 22:14:15", reference: Self.reference)
            == CivilTime(year: 2025, month: 10, day: 11, hour: 22, minute: 14, second: 15).millisecondsSinceEpochAsUTC)
        #expect(parser.parse("Mar  5 01:02:03", reference: Self.reference)
            == CivilTime(year: 2026, month: 3, day: 5, hour: 1, minute: 2, second: 3).millisecondsSinceEpochAsUTC)
        let newYearsDay = CivilTime(year: 2027, month: 1, day: 1, hour: 0, minute: 0, second: 5).millisecondsSinceEpochAsUTC
        #expect(parser.parse("Dec 31 23:59:59", reference: newYearsDay)
            == CivilTime(year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 59).millisecondsSinceEpochAsUTC)
    }

    @Test func zonesApplyToTimesWithoutOffset() throws {
        let fixed = TimestampParser(formats: [.pattern("%F %T")], zone: try #require(TimeZoneRule(name: "+05:30")))
        #expect(fixed.parse("2000-10-11 02:25:36", reference: 0) == Self.instant)
        let berlin = TimestampParser(formats: [.pattern("%F %T")], zone: try #require(TimeZoneRule(name: "Europe/Berlin")))
        // Summer (UTC+2) and winter (UTC+1) time.
        #expect(berlin.parse("2024-07-01 12:00:00", reference: 0)
            == CivilTime(year: 2024, month: 7, day: 1, hour: 10).millisecondsSinceEpochAsUTC)
        #expect(berlin.parse("2024-01-01 12:00:00", reference: 0)
            == CivilTime(year: 2024, month: 1, day: 1, hour: 11).millisecondsSinceEpochAsUTC)
        // An explicit offset wins over the zone.
        #expect(berlin.parse("2024-01-01 12:00:00", reference: 0) != berlin.parse("2024-01-01T12:00:00Z", reference: 0))
        #expect(TimeZoneRule(name: "Mars/Olympus") == nil)
    }

    @Test(arguments: ["", "2000-13-01T00:00:00Z", "2001-02-29T00:00:00Z", "2000-10-10T25:00:00Z", "yesterday",
                      "10/Foo/2000:13:55:36 -0700", "2000-10-10T20:55:36Z trailing"])
    func invalidTextParsesToNil(text: String) {
        #expect(TimestampParser(formats: [.rfc3339, .commonLog, .syslog, .epochMilliseconds]).parse(text, reference: 0) == nil)
    }

    @Test func firstMatchingFormatWins() {
        let parser = TimestampParser(formats: [.commonLog, .rfc3339, .epochSeconds])
        #expect(parser.parse("2000-10-10T20:55:36Z", reference: 0) == Self.instant)
        #expect(parser.parse(" 971211336 ", reference: 0) == Self.instant)
    }

    @Test func civilTimeRoundTripsAcrossEras() {
        for milliseconds: Int64 in [0, -1, -86_400_001, 951_782_400_000, 4_102_444_800_123, -62_135_596_800_000] {
            #expect(CivilTime(utcMilliseconds: milliseconds).millisecondsSinceEpochAsUTC == milliseconds)
        }
        #expect(CivilTime.rfc3339(milliseconds: Self.instant + 7) == "2000-10-10T20:55:36.007Z")
        #expect(CivilTime.rfc3339(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func timestampTransformSetsOrNotes() {
        let transform = TimestampTransform(name: "ts", field: .field(["time"]), parser: TimestampParser(formats: [.rfc3339]))
        var event = LogEvent(timestamp: 1, host: "h", source: "s", message: "m", fields: ["time": "2000-10-10T20:55:36Z"])
        #expect(transform.apply(event)?.timestamp == Self.instant)
        event.fields["time"] = "soon"
        let failed = transform.apply(event)
        #expect(failed?.timestamp == 1)
        #expect(failed?.parseError == "ts: no timestamp format matches 'soon'")
    }
}
