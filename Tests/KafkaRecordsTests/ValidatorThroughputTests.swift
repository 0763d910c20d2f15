import KafkaRecords
import NIOCore
import Testing

/// Measures the produce validator on one million ~200-byte records (about 200 MB).
/// Meaningful numbers need a release build:
///   swift test -c release --filter ValidatorThroughputTests
/// The target is about 0.1 s per million 200-byte records, close to the speed of CRC-32C itself.
@Suite struct ValidatorThroughputTests {
    static let recordCount = 1_000_000

    /// `recordCount` records in batches of `recordsPerBatch`, each record 200 bytes on the wire.
    static func request(recordsPerBatch: Int) throws -> ByteBuffer {
        let records = (0..<recordsPerBatch).map { index in
            ProducerRecord(
                key: ByteBuffer(string: "key-\(index % 10_000)".padding(toLength: 12, withPad: "-", startingAt: 0)),
                value: ByteBuffer(repeating: UInt8(truncatingIfNeeded: index), count: 178),
                timestamp: 1_700_000_000_000 + Int64(index))
        }
        let batch = try RecordBatchBuilder(codec: .none).build(records)
        let batchCount = recordCount / recordsPerBatch
        var request = ByteBufferAllocator().buffer(capacity: batch.readableBytes * batchCount)
        for _ in 0..<batchCount {
            var copy = batch
            request.writeBuffer(&copy)
        }
        return request
    }

    @Test(arguments: [1_000, 10])
    func validatesAMillionRecords(recordsPerBatch: Int) throws {
        let request = try Self.request(recordsPerBatch: recordsPerBatch)
        let averageRecordSize = Double(request.readableBytes - RecordBatchHeader.size * (Self.recordCount / recordsPerBatch)) / Double(Self.recordCount)
        #expect((195...205).contains(averageRecordSize))

        var batches: [ValidatedBatch] = []
        let elapsed = try ContinuousClock().measure {
            batches = try ProducedRecordsValidator.validate(request, maxBatchBytes: 1 << 20)
        }

        #expect(batches.count == Self.recordCount / recordsPerBatch)
        #expect(batches.reduce(0) { $0 + Int($1.header.recordCount) } == Self.recordCount)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(request.readableBytes) / 1_048_576
        print("""
            validator: \(Self.recordCount) records of ~\(Int(averageRecordSize)) B in \(batches.count) batches \
            (\(Int(megabytes)) MiB): \(seconds) s, \(megabytes / seconds) MiB/s, \(seconds / megabytes * 1000) ms/MiB
            """)
    }
}
