import Foundation
import Testing
@testable import LogAgent

@Suite struct LineSplitterTests {
    @Test func linesKeepTheirOffsetsAcrossChunks() {
        var splitter = LineSplitter(startOffset: 100, maximumLineBytes: 1024)
        #expect(splitter.feed(Array("ab\r\ncd".utf8)) == [FileRecord(text: "ab", start: 100, end: 104)])
        #expect(splitter.bufferedBytes == 2)
        #expect(splitter.feed(Array("e\n\nf".utf8))
            == [FileRecord(text: "cde", start: 104, end: 108), FileRecord(text: "", start: 108, end: 109)])
        #expect(splitter.flush() == FileRecord(text: "f", start: 109, end: 110))
        #expect(splitter.flush() == nil)
    }

    @Test func overlongLinesAreCutIntoPieces() {
        var splitter = LineSplitter(startOffset: 0, maximumLineBytes: 4)
        #expect(splitter.feed(Array("abcdefghij\nxy".utf8)) == [
            FileRecord(text: "abcd", start: 0, end: 4), FileRecord(text: "efgh", start: 4, end: 8),
            FileRecord(text: "ij", start: 8, end: 11),
        ])
    }
}

@Suite struct AcknowledgementWindowTests {
    @Test func checkpointAdvancesOnlyOverAContiguousAcknowledgedPrefix() {
        var window = AcknowledgementWindow(committedOffset: 10)
        for end: UInt64 in [20, 35, 50, 60] { window.track(FileRecord(text: "", start: end - 10, end: end)) }
        #expect(window.pendingBytes == 40)
        window.acknowledge(end: 35)
        window.acknowledge(end: 60)
        #expect(window.committedOffset == 10)
        #expect(window.pendingBytes == 20)
        window.acknowledge(end: 20)
        #expect(window.committedOffset == 35)
        window.acknowledge(end: 20)
        window.acknowledge(end: 999)
        #expect(window.committedOffset == 35)
        window.acknowledge(end: 50)
        #expect(window.committedOffset == 60)
        #expect(window.isEmpty)
        #expect(window.pendingBytes == 0)
    }
}

@Suite struct MultilineAggregatorTests {
    func line(_ text: String, _ start: UInt64) -> FileRecord {
        FileRecord(text: text, start: start, end: start + UInt64(text.utf8.count) + 1)
    }

    @Test func stackTracesAreJoinedUntilTheNextStart() throws {
        var aggregator = MultilineAggregator(config: MultilineConfig(startPattern: try LogRegex(#"^\d{4}-"#), timeoutMs: 100))
        #expect(aggregator.add(line("  orphan continuation", 0), now: 0) == [])
        #expect(aggregator.add(line("2024-01-01 ERROR boom", 22), now: 1) == [line("  orphan continuation", 0)])
        #expect(aggregator.add(line("  at a()", 44), now: 2) == [])
        #expect(aggregator.add(line("  at b()", 53), now: 3) == [])
        #expect(aggregator.add(line("2024-01-01 INFO ok", 62), now: 4)
            == [FileRecord(text: "2024-01-01 ERROR boom\n  at a()\n  at b()", start: 22, end: 62)])
        #expect(aggregator.flushIfIdle(now: 50) == nil)
        #expect(aggregator.flushIfIdle(now: 104) == line("2024-01-01 INFO ok", 62))
    }

    @Test func capsCompleteAnEvent() throws {
        var config = MultilineConfig(startPattern: try LogRegex("^S"))
        config.maximumLines = 3
        var aggregator = MultilineAggregator(config: config)
        _ = aggregator.add(line("S1", 0), now: 0)
        _ = aggregator.add(line("c", 3), now: 0)
        #expect(aggregator.add(line("c", 5), now: 0) == [FileRecord(text: "S1\nc\nc", start: 0, end: 7)])
        #expect(aggregator.add(line("c", 7), now: 0) == [])
        #expect(aggregator.flush() == line("c", 7))
    }
}

@Suite struct FileTailerScenarioTests {
    func tailer(_ directory: TemporaryDirectory, readFrom: ReadFrom = .beginning, multiline: MultilineConfig? = nil) throws -> FileTailer {
        var config = FileTailerConfig(discovery: PathDiscovery(include: [directory.file("*.log")]),
                                      checkpointPath: directory.file("checkpoints.json"))
        config.readFrom = readFrom
        config.multiline = multiline
        config.idleCloseMs = 1000
        return try FileTailer(config: config, host: "h", logger: quietLogger)
    }

    func acknowledgeAll(_ records: [TailedRecord], in tailer: FileTailer) -> [String] {
        for record in records { tailer.acknowledge(record.position) }
        return records.map(\.event.message)
    }

    @Test func readFromEndSkipsExistingLinesOnlyAtFirstSight() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append("old 1\nold 2\n", to: directory.file("a.log"))
        let tailer = try tailer(directory, readFrom: .end)
        #expect(tailer.poll(now: 0).isEmpty)
        try TestFiles.append("new 1\n", to: directory.file("a.log"))
        try TestFiles.append("fresh file\n", to: directory.file("b.log"))
        #expect(Set(acknowledgeAll(tailer.poll(now: 2000), in: tailer)) == ["new 1", "fresh file"])
        try tailer.persistCheckpoints()
        try TestFiles.append("new 2\n", to: directory.file("a.log"))
        let restarted = try self.tailer(directory, readFrom: .end)
        #expect(restarted.poll(now: 0).map(\.event.message) == ["new 2"])
    }

    @Test func renameRotationDrainsTheOldFileThenClosesIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try TestFiles.append("1\n", to: directory.file("app.log"))
        let tailer = try tailer(directory)
        #expect(acknowledgeAll(tailer.poll(now: 0), in: tailer) == ["1"])
        try TestFiles.append("2\n", to: directory.file("app.log"))
        try TestFiles.rename(directory.file("app.log"), to: directory.file("app.log.1"))
        try TestFiles.append("3\n", to: directory.file("app.log.1"))
        try TestFiles.append("A\n", to: directory.file("app.log"))
        #expect(Set(acknowledgeAll(tailer.poll(now: 1500), in: tailer)) == ["2", "3", "A"])
        #expect(tailer.followedKeys.count == 2)
        #expect(tailer.poll(now: 2000).isEmpty)
        #expect(tailer.poll(now: 2600).isEmpty)
        #expect(tailer.followedKeys == [try #require(TestFiles.key(of: directory.file("app.log")))])
    }

    @Test func aReusedInodeIsNotMistakenForTheCheckpointedFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("app.log")
        try TestFiles.append("first file line 1\nfirst file line 2\n", to: path)
        let tailer = try tailer(directory)
        _ = acknowledgeAll(tailer.poll(now: 0), in: tailer)
        try tailer.persistCheckpoints()
        let checkpoint = try #require(try CheckpointStore(path: directory.file("checkpoints.json")).load().first)
        // Replace the file by one with the same inode (truncate and rewrite in place) but other
        // content, longer than the old offset: only the fingerprint tells them apart.
        try TestFiles.truncate(path)
        try TestFiles.append("second file, a different and longer first line\nsecond line\n", to: path)
        #expect(TestFiles.key(of: path) == checkpoint.key)
        let restarted = try self.tailer(directory)
        #expect(restarted.poll(now: 0).map(\.event.message) == ["second file, a different and longer first line", "second line"])
    }

    @Test func multilineEventsCheckpointAtTheirLastLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let multiline = MultilineConfig(startPattern: try LogRegex("^[A-Z]"), timeoutMs: 500)
        try TestFiles.append("Error\n at x\n at y\nInfo\n", to: directory.file("a.log"))
        let tailer = try tailer(directory, multiline: multiline)
        let first = tailer.poll(now: 0)
        #expect(first.map(\.event.message) == ["Error\n at x\n at y"])
        #expect(first.map(\.position.endOffset) == [18])
        let second = tailer.poll(now: 600)
        #expect(second.map(\.event.message) == ["Info"])
        _ = acknowledgeAll(first, in: tailer)
        #expect(tailer.checkpoints.map(\.offset) == [18])
    }
}
