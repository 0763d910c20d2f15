import Foundation
import Testing
@testable import LogAgent

extension LineSplitter.Read {
    /// The lines as records, each starting where the one before ended.
    var records: [FileRecord] {
        var start = self.start
        return lines.map { line in
            defer { start = line.end }
            let text = String(decoding: bytes.readableBytesView.dropFirst(line.offset).prefix(line.count), as: UTF8.self)
            return FileRecord(text: text, start: start, end: line.end)
        }
    }
}

extension [TailedLines] {
    /// Every line's text, in order.
    var messages: [String] { flatMap { tailed in tailed.block.lines.map(tailed.block.text(of:)) } }
}

@Suite struct LineSplitterTests {
    @Test func linesKeepTheirOffsetsAcrossChunks() {
        var splitter = LineSplitter(startOffset: 100, maximumLineBytes: 1024)
        #expect(splitter.feed(Array("ab\r\ncd".utf8))?.records == [FileRecord(text: "ab", start: 100, end: 104)])
        #expect(splitter.bufferedBytes == 2)
        #expect(splitter.feed(Array("e\n\nf".utf8))?.records
            == [FileRecord(text: "cde", start: 104, end: 108), FileRecord(text: "", start: 108, end: 109)])
        #expect(splitter.flush() == FileRecord(text: "f", start: 109, end: 110))
        #expect(splitter.flush() == nil)
        #expect(splitter.feed([]) == nil)
    }

    @Test func linesPointIntoTheReadBufferAfterTheCarriedBytes() {
        var splitter = LineSplitter(startOffset: 0, maximumLineBytes: 1024)
        _ = splitter.feed(Array("abc".utf8))
        let read = splitter.feed(Array("d\nef\n".utf8))
        #expect(read?.start == 0)
        #expect(read?.lines == [LineBlock.Line(offset: 0, count: 4, end: 5), LineBlock.Line(offset: 5, count: 2, end: 8)])
        #expect(splitter.bufferedBytes == 0)
    }

    @Test func overlongLinesAreCutIntoPieces() {
        var splitter = LineSplitter(startOffset: 0, maximumLineBytes: 4)
        #expect(splitter.feed(Array("abcdefghij\nxy".utf8))?.records == [
            FileRecord(text: "abcd", start: 0, end: 4), FileRecord(text: "efgh", start: 4, end: 8),
            FileRecord(text: "ij", start: 8, end: 11),
        ])
        #expect(splitter.feed(Array("zzzzz".utf8))?.records == [FileRecord(text: "xyzz", start: 11, end: 15)])
        #expect(splitter.bufferedBytes == 3)
    }

    @Test func readsFillTheChunkUnlessTheCarryIsLong() {
        var splitter = LineSplitter(startOffset: 0, maximumLineBytes: 1024)
        #expect(splitter.readSize(chunkBytes: 64) == 64)
        _ = splitter.feed(Array("0123456789".utf8))
        #expect(splitter.readSize(chunkBytes: 64) == 54)
        #expect(splitter.readSize(chunkBytes: 16) == 16)
    }
}

@Suite struct AcknowledgementWindowTests {
    @Test func checkpointAdvancesOnlyOverAContiguousAcknowledgedPrefix() {
        var window = AcknowledgementWindow(committedOffset: 10)
        for (start, end): (UInt64, UInt64) in [(10, 20), (20, 35), (35, 50), (50, 60)] { window.track(start: start, end: end) }
        #expect(window.pendingBytes == 50)
        window.acknowledge(end: 35)
        window.acknowledge(end: 60)
        #expect(window.committedOffset == 10)
        #expect(window.pendingBytes == 25)
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

    @Test func aBlockAcknowledgedPartOfTheWayMovesTheCheckpointOnceItIsInFront() {
        var window = AcknowledgementWindow(committedOffset: 0)
        window.track(start: 0, end: 100)
        window.track(start: 100, end: 200)
        window.acknowledge(end: 150)
        #expect(window.committedOffset == 0)
        window.acknowledge(end: 40)
        #expect(window.committedOffset == 40)
        window.acknowledge(end: 30)
        #expect(window.committedOffset == 40)
        #expect(window.pendingBytes == 200)
        window.acknowledge(end: 100)
        #expect(window.committedOffset == 150)
        #expect(window.pendingBytes == 100)
        window.acknowledge(end: 200)
        #expect(window.committedOffset == 200)
        #expect(window.isEmpty)
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

    func acknowledgeAll(_ blocks: [TailedLines], in tailer: FileTailer) -> [String] {
        for block in blocks { tailer.acknowledge(block.position) }
        return blocks.messages
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
        #expect(restarted.poll(now: 0).messages == ["new 2"])
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
        #expect(restarted.poll(now: 0).messages == ["second file, a different and longer first line", "second line"])
    }

    @Test func multilineEventsCheckpointAtTheirLastLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let multiline = MultilineConfig(startPattern: try LogRegex("^[A-Z]"), timeoutMs: 500)
        try TestFiles.append("Error\n at x\n at y\nInfo\n", to: directory.file("a.log"))
        let tailer = try tailer(directory, multiline: multiline)
        let first = tailer.poll(now: 0)
        #expect(first.messages == ["Error\n at x\n at y"])
        #expect(first.map(\.position.endOffset) == [18])
        let second = tailer.poll(now: 600)
        #expect(second.messages == ["Info"])
        _ = acknowledgeAll(first, in: tailer)
        #expect(tailer.checkpoints.map(\.offset) == [18])
    }
}
