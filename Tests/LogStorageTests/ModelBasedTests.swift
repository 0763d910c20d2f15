import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

@testable import LogStorage

/// Random sequences of appends, crashes, clean restarts, torn writes and DeleteRecords, checked
/// after every step against a model that is just the list of batches the log must hold.
@Suite struct ModelBasedTests {
    /// SplitMix64: deterministic, so a failing seed can be replayed.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    struct Model {
        var batches: [ByteBuffer] = []
        var logStartOffset: Offset = 0
        var logEndOffset: Offset { batches.last.flatMap { RecordBatchHeader.peek($0, at: 0)?.nextOffset } ?? logStartOffset }

        /// The batches a read from the log start must return, byte for byte.
        var visible: [ByteBuffer] {
            batches.filter { RecordBatchHeader.peek($0, at: 0).map { $0.lastOffset >= logStartOffset } ?? false }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomHistoriesMatchTheModel(seed: UInt64) throws {
        var random = Random(state: seed)
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "1500", "index.interval.bytes": "200"])
        var log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        var model = Model()

        for step in 0..<150 {
            switch random.next(20) {
            case 0:
                try log.close()
                log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
                #expect(log.recoveryReport.cleanShutdown)
            case 1:
                log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            case 2 where !model.batches.isEmpty:
                // A torn write of the last batch, then a crash: the batch must disappear.
                let lastSize = model.batches[model.batches.count - 1].readableBytes
                let active = try log.segmentBaseOffsets.last!
                let path = FileSystem.join(directory.partitionDirectory(events0), SegmentFileName.name(active, "log"))
                let file = try OpenFile.open(path, create: false)
                let size = try file.size()
                if size >= lastSize {
                    try file.truncate(to: size - 1 - random.next(lastSize - 1))
                    model.batches.removeLast()
                    model.logStartOffset = min(model.logStartOffset, model.logEndOffset)
                }
                log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
            case 3 where model.logEndOffset > model.logStartOffset:
                let target = model.logStartOffset + Int64(random.next(Int(model.logEndOffset - model.logStartOffset) + 1))
                #expect(try log.deleteRecords(before: target, now: 0) == target)
                model.logStartOffset = target
            default:
                var bytes = TestBatch(records: Int32(random.next(4) + 1), payloadBytes: random.next(200), maxTimestamp: Int64(step), fill: UInt8(step % 256)).bytes
                let info = try log.append(records: bytes, leaderEpoch: 0, now: 0)
                #expect(info.firstOffset == model.logEndOffset, "seed \(seed) step \(step)")
                bytes.setInteger(info.firstOffset.rawValue, at: 0)
                bytes.setInteger(Int32(0), at: RecordBatchHeader.partitionLeaderEpochOffset)
                model.batches.append(bytes)
            }
            let offsets = try log.offsets
            #expect(offsets.logEndOffset == model.logEndOffset, "seed \(seed) step \(step)")
            #expect(offsets.logStartOffset == model.logStartOffset, "seed \(seed) step \(step)")
            var stored: [ByteBuffer] = []
            var next = offsets.logStartOffset
            while next < offsets.logEndOffset {
                let result = try log.readBuffer(from: next, maxBytes: 1, minOneBatch: true)
                stored.append(result.records)
                next = result.nextOffset
            }
            #expect(stored == model.visible, "seed \(seed) step \(step)")
        }
    }
}
