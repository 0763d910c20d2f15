import KafkaProtocol
import KafkaRecords

extension SegmentedLog {
    /// Rebuilds the idempotent-producer state: loads the newest readable snapshot at or below the
    /// log end, then replays the batch headers after it. Snapshots past the log end (left by a
    /// truncation) and unreadable ones are deleted. Returns the snapshot used, the number of batches
    /// replayed and the unreadable snapshots.
    @discardableResult
    func rebuildProducerState() throws -> (snapshot: Offset?, batchesScanned: Int, discarded: [String]) {
        try removeProducerSnapshots { $0 > logEndOffset }
        producers = ProducerStateTable()
        var start = segments[0].baseOffset
        var used: Offset?
        var discarded: [String] = []
        for offset in try producerSnapshotOffsets().reversed() where offset >= segments[0].baseOffset {
            let name = SegmentFileName.name(offset, SegmentFileName.producerSnapshot)
            if let bytes = try FileSystem.readFile(path(name)), let table = ProducerStateSnapshot.decode(bytes) {
                producers = table
                start = offset
                used = offset
                break
            }
            try FileSystem.removeFile(path(name))
            discarded.append(name)
        }
        var scanned = 0
        for segment in segments[(segmentIndex(containing: start) ?? 0)...] {
            var position = try segment.locate(start)?.position ?? segment.size
            while let header = try segment.header(at: position) {
                producers.record(header)
                position += header.totalSize
                scanned += 1
            }
        }
        return (used, scanned, discarded)
    }

    func removeExpiredProducers(now: Int64, expirationMs: Int64) -> Int {
        producers.removeExpired(now: now, expirationMs: expirationMs)
    }

    func producerSnapshotOffsets() throws -> [Offset] {
        try FileSystem.contents(of: directory).compactMap { SegmentFileName.offset(in: $0, suffix: SegmentFileName.producerSnapshot) }.sorted()
    }

    func removeProducerSnapshots(where condition: (Offset) -> Bool) throws {
        for offset in try producerSnapshotOffsets() where condition(offset) {
            try FileSystem.removeFile(path(SegmentFileName.name(offset, SegmentFileName.producerSnapshot)))
        }
    }
}
