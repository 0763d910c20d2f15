import Foundation
import Testing
@testable import LogAgent

/// Drives a `FileTailer` through random histories of appends, rename rotations, copytruncate,
/// truncation, deletion, out-of-order acknowledgements of blocks (whole, or part of the way up to
/// one of their lines), checkpoint saves and restarts (clean or crash), against a model of what
/// was written. Checked after every step and at the end:
/// - every line is acknowledged by the sink at least once (deliveries the sink had not
///   acknowledged are dropped at each restart), except lines the file system destroyed before
///   they were acknowledged and could no longer be read again (truncated away, or deleted with
///   no reader left); a fragment of a line cut by truncation may arrive as is;
/// - within one tailer session each file's lines arrive once and in order;
/// - a line is delivered again after a restart only if it was not covered by a saved checkpoint,
///   i.e. not in the contiguous acknowledged prefix of its file at the last save;
/// - unacknowledged bytes stay within the configured bound.
@Suite struct FileTailerModelTests {
    @Test(arguments: 0..<40)
    func randomHistory(seed: Int) throws {
        var model = try TailerModel(seed: UInt64(seed) &* 7919 &+ 17)
        defer { model.directory.remove() }
        for _ in 0..<400 { try model.step() }
        try model.drainAndCheck()
    }
}

private struct TailerModel {
    struct Line {
        let generation: Int
        let index: Int
    }

    /// One content lifetime of one physical file: ends at truncation (a new generation of the same
    /// file starts) or stays until the end.
    struct Generation {
        let fileID: Int
        var lines: [Int] = []
        /// How many lines from the start a saved checkpoint covers.
        var settled = 0
        /// Indexes acknowledged in the current session.
        var sessionAcknowledged = Set<Int>()
        /// Highest index delivered in the current session.
        var sessionLastDelivered = -1
        /// Truncated away or deleted: what was not acknowledged may be lost at a restart.
        var destroyed = false
    }

    struct PhysicalFile {
        var path: String
        var generation: Int
        var deleted = false
    }

    let directory: TemporaryDirectory
    var random: SeededRandom
    let config: FileTailerConfig
    var tailer: FileTailer
    var now: Int64 = 1_000_000
    var files: [PhysicalFile] = []
    var generations: [Generation] = []
    var lines: [Line] = []
    var deliveredCount: [Int] = []
    var acknowledgedLines: [Bool] = []
    var texts: [String] = []
    var lossAllowed = Set<Int>()
    /// Handed-out blocks not acknowledged in full: their position, and their lines not acknowledged
    /// yet (offset after the line, model id or -1 for a fragment).
    var unacknowledged: [(position: FilePosition, lines: [(end: UInt64, id: Int)])] = []
    var rotationCounter = 0
    var sessions = 1

    init(seed: UInt64) throws {
        directory = try TemporaryDirectory()
        random = SeededRandom(seed: seed)
        var config = FileTailerConfig(
            discovery: PathDiscovery(include: [directory.file("*.log*")], exclude: [directory.file("*.copy")]),
            checkpointPath: directory.file("checkpoints.json"))
        config.rescanIntervalMs = 500
        config.idleCloseMs = 2000
        config.maximumPendingBytes = 3000
        config.readChunkBytes = 700
        config.maximumLineBytes = 8192
        self.config = config
        tailer = try FileTailer(config: config, host: "test-host", logger: quietLogger)
    }

    mutating func step() throws {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<35: try append()
        case 35..<60: try poll(advanceBy: Int64.random(in: 0...1500, using: &random))
        case 60..<75: acknowledgeSome()
        case 75..<80: try rotate()
        case 80..<83: try truncate(copyFirst: true)
        case 83..<86: try truncate(copyFirst: false)
        case 86..<90: try deleteOne()
        case 90..<95: try tailer.persistCheckpoints(); settleAtSave()
        default: try restart(clean: Bool.random(using: &random))
        }
    }

    // MARK: Writes

    mutating func activeFile(named name: String) -> Int {
        let path = directory.file(name + ".log")
        if let index = files.firstIndex(where: { $0.path == path && !$0.deleted }) { return index }
        generations.append(Generation(fileID: files.count))
        files.append(PhysicalFile(path: path, generation: generations.count - 1))
        return files.count - 1
    }

    mutating func append() throws {
        let existing = files.indices.filter { !files[$0].deleted }
        let target: Int
        if existing.isEmpty || Int.random(in: 0..<5, using: &random) > 0 {
            target = activeFile(named: ["a", "b"].randomElement(using: &random)!)
        } else {
            target = existing.randomElement(using: &random)!
        }
        var text = ""
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let id = lines.count
            let generation = files[target].generation
            lines.append(Line(generation: generation, index: generations[generation].lines.count))
            generations[generation].lines.append(id)
            deliveredCount.append(0)
            acknowledgedLines.append(false)
            texts.append("L\(id) " + String(repeating: "x", count: Int.random(in: 0...400, using: &random)))
            text += texts[id] + "\n"
        }
        if Bool.random(using: &random), text.utf8.count > 2 {
            // Write the last line in two pieces with a poll between: the tailer must not emit half a line.
            let cut = text.index(text.endIndex, offsetBy: -2)
            try TestFiles.append(String(text[..<cut]), to: files[target].path)
            try poll(advanceBy: 0)
            try TestFiles.append(String(text[cut...]), to: files[target].path)
        } else {
            try TestFiles.append(text, to: files[target].path)
        }
    }

    mutating func rotate() throws {
        let candidates = files.indices.filter { !files[$0].deleted && !files[$0].path.contains(".log.") }
        guard let index = candidates.randomElement(using: &random) else { return }
        rotationCounter += 1
        let rotated = files[index].path + ".\(rotationCounter)"
        try TestFiles.rename(files[index].path, to: rotated)
        files[index].path = rotated
    }

    /// Truncates a file (after copying it out of the tailer's view, for copytruncate). Lines not
    /// delivered by now are destroyed before the tailer could read them.
    mutating func truncate(copyFirst: Bool) throws {
        guard let index = files.indices.filter({ !files[$0].deleted }).randomElement(using: &random) else { return }
        if copyFirst {
            rotationCounter += 1
            try TestFiles.copy(files[index].path, to: files[index].path + ".\(rotationCounter).copy")
        }
        try TestFiles.truncate(files[index].path)
        markUnreadLinesLost(of: files[index].generation)
        generations[files[index].generation].destroyed = true
        generations.append(Generation(fileID: index))
        files[index].generation = generations.count - 1
    }

    mutating func deleteOne() throws {
        guard let index = files.indices.filter({ !files[$0].deleted }).randomElement(using: &random) else { return }
        let followed = TestFiles.key(of: files[index].path).map { tailer.followedKeys.contains($0) } ?? false
        try TestFiles.delete(files[index].path)
        files[index].deleted = true
        for generation in generations.indices where generations[generation].fileID == index {
            generations[generation].destroyed = true
            // Never opened by the tailer: nothing of it can be read any more.
            if !followed { markUnreadLinesLost(of: generation) }
        }
    }

    /// Lines neither acknowledged nor read in this session are lost when the file system destroys
    /// them (an earlier session's unacknowledged delivery was dropped at its restart).
    mutating func markUnreadLinesLost(of generation: Int) {
        let lastRead = generations[generation].sessionLastDelivered
        for (index, line) in generations[generation].lines.enumerated() where index > lastRead && !acknowledgedLines[line] {
            lossAllowed.insert(line)
        }
    }

    // MARK: The tailer

    mutating func poll(advanceBy milliseconds: Int64) throws {
        now += milliseconds
        for block in tailer.poll(now: now) { try deliver(block) }
        // Reading stops once the budget is reached, so it overshoots by at most one chunk plus the held-back
        // line that chunk completes, plus a held-back line handed out when a file restarts or closes.
        let longestLine = 420
        #expect(tailer.pendingBytes < config.maximumPendingBytes + config.readChunkBytes + 2 * longestLine,
                "pending bytes \(tailer.pendingBytes) exceed the bound")
    }

    mutating func deliver(_ block: TailedLines) throws {
        #expect(block.position.endOffset == block.block.lines.last?.end)
        #expect(block.block.source.hasPrefix(directory.path))
        var delivered: [(end: UInt64, id: Int)] = []
        for line in block.block.lines {
            delivered.append((line.end, deliver(block.block.text(of: line))))
        }
        unacknowledged.append((block.position, delivered))
    }

    /// Checks one delivered line against the model; its id, or -1 for a fragment.
    mutating func deliver(_ message: String) -> Int {
        guard message.hasPrefix("L"), let id = Int(message.dropFirst().prefix { $0 != " " }), id < lines.count,
            texts[id] == message
        else {
            let isFragmentOfDestroyedLine = generations.contains { generation in
                generation.destroyed && generation.lines.contains { texts[$0].hasPrefix(message) }
            }
            #expect(isFragmentOfDestroyedLine, "delivered a line that was never written: \(message.prefix(40))")
            return -1
        }
        let line = lines[id]
        var generation = generations[line.generation]
        #expect(line.index >= generation.settled,
                "line \(id) redelivered although a saved checkpoint covered it (session \(sessions))")
        #expect(line.index > generation.sessionLastDelivered,
                "line \(id) out of order or repeated within session \(sessions)")
        generation.sessionLastDelivered = max(generation.sessionLastDelivered, line.index)
        generations[line.generation] = generation
        deliveredCount[id] += 1
        return id
    }

    /// The sink acknowledges a random subset of blocks, out of order as Kafka partitions would,
    /// some only up to one of their lines (a sink acknowledging a block's events in order).
    mutating func acknowledgeSome() {
        unacknowledged.shuffle(using: &random)
        let count = Int.random(in: 0...unacknowledged.count, using: &random)
        for index in 0..<count {
            let (position, pending) = unacknowledged[index]
            let through = Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 1...pending.count, using: &random) : pending.count
            acknowledge(FilePosition(stream: position.stream, endOffset: pending[through - 1].end), lines: pending.prefix(through).map(\.id))
            unacknowledged[index].lines.removeFirst(through)
        }
        unacknowledged.removeAll { $0.lines.isEmpty }
    }

    mutating func acknowledge(_ position: FilePosition, lines ids: [Int]) {
        tailer.acknowledge(position)
        for id in ids where id >= 0 {
            acknowledgedLines[id] = true
            generations[lines[id].generation].sessionAcknowledged.insert(lines[id].index)
        }
    }

    /// After a save, a file's checkpoint covers its contiguous acknowledged prefix.
    mutating func settleAtSave() {
        for index in generations.indices {
            while generations[index].sessionAcknowledged.contains(generations[index].settled) {
                generations[index].settled += 1
            }
        }
    }

    /// A new tailer from the saved checkpoints. Clean: save first. Crash: whatever was saved last.
    /// Either way the sink's unacknowledged deliveries are gone.
    mutating func restart(clean: Bool) throws {
        if clean {
            try tailer.persistCheckpoints()
            settleAtSave()
        }
        unacknowledged.removeAll()
        for generation in generations where generation.destroyed {
            for line in generation.lines where !acknowledgedLines[line] { lossAllowed.insert(line) }
        }
        for index in generations.indices {
            generations[index].sessionAcknowledged.removeAll()
            generations[index].sessionLastDelivered = -1
        }
        tailer = try FileTailer(config: config, host: "test-host", logger: quietLogger)
        sessions += 1
    }

    /// Stops writing, lets the tailer run to quiescence acknowledging everything, then checks no
    /// line is missing.
    mutating func drainAndCheck() throws {
        var quietPolls = 0
        while quietPolls < 6 {
            let before = deliveredCount.reduce(0, +)
            try poll(advanceBy: 1000)
            for (position, pending) in unacknowledged { acknowledge(position, lines: pending.map(\.id)) }
            unacknowledged.removeAll()
            quietPolls = deliveredCount.reduce(0, +) == before ? quietPolls + 1 : 0
        }
        let missing = lines.indices.filter { !acknowledgedLines[$0] && !lossAllowed.contains($0) }
        #expect(missing.isEmpty, "lines never delivered and acknowledged: \(missing.prefix(20)) of \(lines.count)")
        #expect(lines.count > 200, "the history wrote too few lines to mean much")
        #expect(tailer.pendingBytes == 0)
    }
}
