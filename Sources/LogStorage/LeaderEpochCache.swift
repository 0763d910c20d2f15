import KafkaProtocol
import NIOCore

/// Which leader epoch started at which offset, so a replica can find where its log diverges from
/// the leader's (OffsetsForLeaderEpoch) and truncate there. Kafka's LeaderEpochFileCache rules:
/// epochs and start offsets both increase; a new entry removes any it contradicts.
///
/// Persisted as Kafka's `leader-epoch-checkpoint` text file: a version line (0), an entry count line,
/// then one "epoch startOffset" line per entry.
struct LeaderEpochCache: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var epoch: LeaderEpoch
        var startOffset: Offset
    }

    static let fileName = "leader-epoch-checkpoint"

    private(set) var entries: [Entry] = []

    var latestEpoch: LeaderEpoch? { entries.last?.epoch }

    /// Records that `epoch` starts at `startOffset`; returns whether the cache changed (and so must be
    /// written). Negative epochs (clients' "unknown") are not recorded.
    @discardableResult
    mutating func assign(epoch: LeaderEpoch, startOffset: Offset) -> Bool {
        guard epoch.rawValue >= 0, startOffset.rawValue >= 0 else { return false }
        if let latest = entries.last, latest.epoch == epoch, latest.startOffset <= startOffset { return false }
        entries.removeAll { $0.epoch >= epoch || $0.startOffset >= startOffset }
        entries.append(Entry(epoch: epoch, startOffset: startOffset))
        return true
    }

    /// Kafka's `endOffsetFor`: the largest epoch not above `requested` and the offset where the next
    /// epoch starts (the log end for the latest epoch); (-1, -1) when the cache cannot answer.
    func endOffset(for requested: LeaderEpoch, logEndOffset: Offset) -> (epoch: LeaderEpoch, endOffset: Offset) {
        let undefined = (LeaderEpoch.unknown, Offset(-1))
        guard requested.rawValue >= 0 else { return undefined }
        if requested == latestEpoch { return (requested, logEndOffset) }
        guard let higher = entries.first(where: { $0.epoch > requested }) else { return undefined }
        let floor = entries.last(where: { $0.epoch <= requested })
        return (floor?.epoch ?? requested, higher.startOffset)
    }

    /// Drops epochs that start at or after `endOffset` (after the log was truncated there).
    @discardableResult
    mutating func truncateFromEnd(_ endOffset: Offset) -> Bool {
        let before = entries.count
        entries.removeAll { $0.startOffset >= endOffset }
        return entries.count != before
    }

    /// Drops epochs wholly before `startOffset` and moves the one in effect there to start at it.
    @discardableResult
    mutating func truncateFromStart(_ startOffset: Offset) -> Bool {
        guard let inEffect = entries.lastIndex(where: { $0.startOffset <= startOffset }) else { return false }
        let before = entries
        entries.removeFirst(inEffect)
        entries[0].startOffset = startOffset
        return entries != before
    }

    func serialized() -> ByteBuffer {
        var text = "0\n\(entries.count)\n"
        for entry in entries { text += "\(entry.epoch.rawValue) \(entry.startOffset.rawValue)\n" }
        return ByteBuffer(string: text)
    }

    /// Parses the checkpoint file; nil when it is not in Kafka's format.
    static func parse(_ file: ByteBuffer) -> LeaderEpochCache? {
        let lines = String(buffer: file).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == "0", let count = Int(lines[1]), count >= 0, lines.count >= 2 + count else {
            return nil
        }
        var cache = LeaderEpochCache()
        for line in lines[2..<(2 + count)] {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let epoch = Int32(fields[0]), let offset = Int64(fields[1]) else { return nil }
            cache.entries.append(Entry(epoch: LeaderEpoch(epoch), startOffset: Offset(offset)))
        }
        guard zip(cache.entries, cache.entries.dropFirst()).allSatisfy({ $0.epoch < $1.epoch && $0.startOffset <= $1.startOffset })
        else { return nil }
        return cache
    }
}
