import Dispatch
import KafkaProtocol
import KafkaRecords
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import LogStorage

@Suite struct ConcurrencyTests {
    @Test func concurrentAppendsReadsRetentionAndFlushesKeepTheLogConsistent() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let config = try configured(["segment.bytes": "4000", "retention.bytes": "20000", "index.interval.bytes": "300"])
        let log = try PartitionLog.openForTest(directory, config: config, flusher: flusher)
        let failures = NIOLockedValueBox<[String]>([])
        let durable = CallbackCollector()

        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                for round in 0..<100 {
                    switch worker % 4 {
                    case 0, 1:
                        let info = try log.append(records: TestBatch(records: Int32(round % 3 + 1), fill: UInt8(worker)).bytes, leaderEpoch: 0, now: 0)
                        if round % 10 == 0 { log.whenDurable(upTo: info.lastOffset + 1, durable.callback) }
                    case 2:
                        let offsets = try log.offsets
                        do {
                            let result = try log.readBuffer(from: offsets.logStartOffset, maxBytes: 3000, minOneBatch: true)
                            var position = 0
                            while let header = RecordBatchHeader.peek(result.records, at: position) {
                                if RecordBatchHeader.computeCRC(of: result.records, batchAt: position, totalSize: header.totalSize) != header.crc {
                                    failures.withLockedValue { $0.append("bad CRC at offset \(header.baseOffset)") }
                                }
                                position += header.totalSize
                            }
                            if position != result.records.readableBytes { failures.withLockedValue { $0.append("partial batch in a read") } }
                        } catch LogError.offsetOutOfRange {
                            // Retention moved the log start between the two calls.
                        }
                    default:
                        _ = try log.enforceRetention(now: 0)
                    }
                }
            } catch {
                failures.withLockedValue { $0.append("worker \(worker): \(error)") }
            }
        }
        #expect(failures.withLockedValue { $0 } == [])
        let results = durable.wait(for: 40)
        #expect(results.count == 40 && results.allSatisfy { $0 == nil })

        let offsets = try log.offsets
        let headers = try log.allHeaders(from: offsets.logStartOffset)
        #expect(headers.first?.baseOffset == offsets.logStartOffset)
        #expect(zip(headers, headers.dropFirst()).allSatisfy { $0.nextOffset == $1.baseOffset })
        #expect(headers.last?.nextOffset == offsets.logEndOffset)
        let recordsPerAppender = (0..<100).reduce(Int64(0)) { total, round in total + Int64(round % 3 + 1) }
        #expect(offsets.logEndOffset == Offset(4 * recordsPerAppender))
    }

    @Test func ioErrorsNameTheFileAndTheOperation() throws {
        let directory = TemporaryDirectory()
        let flusher = try LogFlusher()
        defer { flusher.shutdown() }
        let blocker = FileSystem.join(directory.path, "events-0")
        try FileSystem.writeAtomically(blocker, contents: ByteBuffer(string: "not a directory"), durable: false)
        do {
            _ = try PartitionLog.openForTest(directory, flusher: flusher)
            Issue.record("opening over a file must fail")
        } catch let error as LogError {
            #expect(error == .io(operation: "open directory", path: blocker, errno: ENOTDIR))
            #expect(error.description == "open directory failed on \(blocker): Not a directory (errno \(ENOTDIR))")
            #expect(error.errorCode == .kafkaStorageError)
        }
    }
}
