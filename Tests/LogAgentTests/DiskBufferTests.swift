import Foundation
import Testing
@testable import LogAgent

@Suite struct DiskBufferTests {
    func payload(_ n: Int) -> [UInt8] { Array("record \(n)".utf8) }

    func text(_ records: [BufferedRecord]) -> [String] { records.map { String(decoding: $0.payload, as: UTF8.self) } }

    func open(_ directory: TemporaryDirectory, maxBytes: Int = 1 << 20, segmentBytes: Int? = nil) throws -> DiskBuffer {
        try DiskBuffer(directory: directory.path, maxBytes: maxBytes, segmentBytes: segmentBytes, logger: quietLogger)
    }

    func segmentFiles(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".buf") }.sorted()
    }

    @Test func recordsAreReadInOrderOnlyOnceSynced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory, segmentBytes: 256)
        #expect(try buffer.append((0..<10).map(payload)))
        #expect(try buffer.read(maxCount: 100).isEmpty, "unsynced records must not be handed out")
        for start in stride(from: 10, to: 50, by: 10) { #expect(try buffer.append((start..<(start + 10)).map(payload))) }
        try buffer.sync()
        for start in stride(from: 50, to: 100, by: 10) { #expect(try buffer.append((start..<(start + 10)).map(payload))) }
        try buffer.sync()
        var read: [BufferedRecord] = []
        while case let batch = try buffer.read(maxCount: 7), !batch.isEmpty { read += batch }
        #expect(text(read) == (0..<100).map { "record \($0)" })
        #expect(try segmentFiles(directory).count > 3, "256-byte segments should have rolled")
        try buffer.close()
    }

    @Test func acknowledgedPrefixSurvivesRestartAndDeliveredSegmentsAreDeleted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory, segmentBytes: 256)
        for start in stride(from: 0, to: 100, by: 10) { #expect(try buffer.append((start..<(start + 10)).map(payload))) }
        try buffer.sync()
        let read = try buffer.read(maxCount: 100)
        #expect(read.count == 100)
        let segmentsBefore = try segmentFiles(directory).count
        // Out of order: 30..<60 first, which moves nothing, then 0..<30.
        for record in read[30..<60] { #expect(!buffer.acknowledge(record.ticket)) }
        for record in read[1..<30] { buffer.acknowledge(record.ticket) }
        #expect(buffer.acknowledge(read[0].ticket))
        #expect(try segmentFiles(directory).count < segmentsBefore)
        try buffer.close()

        let reopened = try open(directory, segmentBytes: 256)
        var again: [BufferedRecord] = []
        while case let batch = try reopened.read(maxCount: 1000), !batch.isEmpty { again += batch }
        #expect(text(again) == (60..<100).map { "record \($0)" })
        try reopened.close()
    }

    @Test func rewindReadsUnacknowledgedRecordsAgainAndStaleTicketsDoNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory)
        #expect(try buffer.append((0..<10).map(payload)))
        try buffer.sync()
        let first = try buffer.read(maxCount: 10)
        for record in first[0..<4] { buffer.acknowledge(record.ticket) }
        buffer.rewind()
        #expect(!buffer.acknowledge(first[4].ticket), "a ticket from before the rewind")
        let second = try buffer.read(maxCount: 10)
        #expect(text(second) == (4..<10).map { "record \($0)" })
        try buffer.close()
    }

    @Test func aTornTailIsTruncatedAndTheValidRecordsSurvive() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory)
        #expect(try buffer.append((0..<20).map(payload)))
        try buffer.close()
        let segment = try #require(try segmentFiles(directory).last)
        let path = directory.file(segment)
        let validSize = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        // A crash mid-write: a whole header and half of a payload, then nothing.
        var torn: [UInt8] = []
        BufferRecordFraming.append(Array("record 20 which was being written".utf8), to: &torn)
        try TestFiles.append(String(decoding: torn.prefix(15), as: UTF8.self), to: path)

        let reopened = try open(directory)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == validSize)
        #expect(text(try reopened.read(maxCount: 100)) == (0..<20).map { "record \($0)" })
        try reopened.close()
    }

    @Test func aCorruptRecordEndsTheSegmentAtItWithoutCrashing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory)
        #expect(try buffer.append((0..<10).map(payload)))
        try buffer.close()
        let path = directory.file(try #require(try segmentFiles(directory).last))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let sixthRecord = (0..<5).reduce(0) { $0 + BufferRecordFraming.headerBytes + payload($1).count }
        bytes[sixthRecord + BufferRecordFraming.headerBytes + 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let reopened = try open(directory)
        #expect(text(try reopened.read(maxCount: 100)) == (0..<5).map { "record \($0)" })
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == sixthRecord)
        // Writing goes on in a new segment after the damaged one.
        #expect(try reopened.append([payload(99)]))
        try reopened.sync()
        #expect(text(try reopened.read(maxCount: 100)) == ["record 99"])
        try reopened.close()
    }

    @Test func aFullBufferRefusesAppendsUntilRecordsAreAcknowledged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let buffer = try open(directory, maxBytes: 2048, segmentBytes: 512)
        var appended = 0
        while try buffer.append([payload(appended)]) { appended += 1 }
        #expect(appended > 50 && appended < 200, "appended \(appended)")
        #expect(buffer.unacknowledgedBytes <= 2048)
        try buffer.sync()
        let read = try buffer.read(maxCount: 1000)
        #expect(read.count == appended)
        #expect(try !buffer.append([payload(appended)]))
        for record in read.prefix(appended / 2) { buffer.acknowledge(record.ticket) }
        #expect(try buffer.append([payload(appended)]))
        try buffer.close()
    }

    @Test func eventsRoundTripThroughTheBinaryCodecAndDamageDecodesToNil() throws {
        let event = LogEvent(
            timestamp: -1_795_608_000_123, host: "web-1", source: "/var/log/app.log", service: nil, severity: .warning,
            message: "slow request ✓", fields: ["status": 404, "ratio": 0.5, "ok": false, "none": nil,
                                                   "tags": ["a", 1, ["deep": true]], "user": ["id": "42"]],
            raw: "raw line", parseError: "regex: no match")
        let bytes = LogEventBinaryCodec.encode(event)
        #expect(LogEventBinaryCodec.decode(bytes[...]) == event)
        let plain = LogEvent(timestamp: 0, host: "", source: "stdin", message: "")
        #expect(LogEventBinaryCodec.decode(LogEventBinaryCodec.encode(plain)[...]) == plain)
        for length in 0..<bytes.count { #expect(LogEventBinaryCodec.decode(bytes[0..<length]) == nil) }
        var random = SeededRandom(seed: 7)
        for _ in 0..<200 {
            var damaged = bytes
            damaged[Int.random(in: 0..<damaged.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = LogEventBinaryCodec.decode(damaged[...])
        }
    }
}
