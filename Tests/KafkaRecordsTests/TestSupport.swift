import Foundation
import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

/// A record as the fixture JSON (and the kafka-python decode script) describes it: bytes in hex.
struct ExpectedRecord: Codable, Equatable, CustomStringConvertible {
    var offset: Int64
    var timestamp: Int64
    var key: String?
    var value: String?
    var headers: [ExpectedHeader]

    var description: String { "#\(offset)@\(timestamp) key=\(key ?? "null") headers=\(headers.count)" }
}

struct ExpectedHeader: Codable, Equatable {
    var key: String
    var value: String?
}

/// NAME.json beside each fixture NAME.bin, written by scripts/records-make-fixtures.py.
struct FixtureExpectation: Decodable {
    var magic: Int
    var codec: String
    var producerId: Int64
    var producerEpoch: Int16
    var baseSequence: Int32
    var isTransactional: Bool
    var records: [ExpectedRecord]
}

enum Fixtures {
    static func bytes(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: try url(name + ".bin")))
    }

    static func expectation(_ name: String) throws -> FixtureExpectation {
        try JSONDecoder().decode(FixtureExpectation.self, from: Data(contentsOf: try url(name + ".json")))
    }

    private static func url(_ file: String) throws -> URL {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return directory.appendingPathComponent(file)
    }
}

extension ByteBuffer {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes: bytes)
    }

    var hex: String {
        readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}

extension RecordBatch {
    /// The records as fixture JSON would describe them: absolute offsets and timestamps, hex bytes.
    var expectedRecords: [ExpectedRecord] {
        records.map { record in
            ExpectedRecord(
                offset: offset(of: record).rawValue, timestamp: timestamp(of: record),
                key: record.key?.hex, value: record.value?.hex,
                headers: record.headers.map { ExpectedHeader(key: $0.key, value: $0.value?.hex) })
        }
    }
}

extension LegacyMessage {
    var expectedRecord: ExpectedRecord {
        ExpectedRecord(offset: offset.rawValue, timestamp: timestamp, key: key?.hex, value: value?.hex, headers: [])
    }
}

extension ExpectedRecord {
    var producerRecord: ProducerRecord {
        ProducerRecord(
            key: key.map(ByteBuffer.init(hex:)), value: value.map(ByteBuffer.init(hex:)),
            headers: headers.map { RecordHeader(key: $0.key, value: $0.value.map(ByteBuffer.init(hex:))) },
            timestamp: timestamp)
    }
}

/// Sample records with keys, null keys and values, headers (null values, non-ASCII keys) and
/// timestamps out of order, compressible enough for every codec.
func sampleRecords(count: Int, baseTimestamp: Int64 = 1_700_000_000_000) -> [ProducerRecord] {
    (0..<count).map { index in
        let headers = index % 3 == 0
            ? [RecordHeader(key: "trace-id", value: ByteBuffer(string: "t-\(index)")), RecordHeader(key: "n\u{00F6}-value", value: nil)]
            : []
        return ProducerRecord(
            key: index % 7 == 3 ? nil : ByteBuffer(string: "key-\(index)"),
            value: index % 5 == 4 ? nil : ByteBuffer(string: String(repeating: "value \(index) repeats. ", count: 1 + index % 4)),
            headers: headers,
            timestamp: baseTimestamp + Int64(index * 37) - (index == 2 ? 1_000 : 0))
    }
}

/// The records `sampleRecords` describes, as a decoder must return them at `baseOffset`.
func expected(_ records: [ProducerRecord], baseOffset: Int64 = 0) -> [ExpectedRecord] {
    records.enumerated().map { index, record in
        ExpectedRecord(
            offset: baseOffset + Int64(index), timestamp: record.timestamp, key: record.key?.hex, value: record.value?.hex,
            headers: record.headers.map { ExpectedHeader(key: $0.key, value: $0.value?.hex) })
    }
}

/// Runs scripts/records-kafka-python-decode.py on bytes this package wrote.
enum KafkaPython {
    struct DecodedBatch: Decodable {
        var magic: Int
        var codec: Int
        var crcValid: Bool
        var baseOffset: Int64
        var producerId: Int64?
        var producerEpoch: Int16?
        var baseSequence: Int32?
        var isTransactional: Bool?
        var records: [ExpectedRecord]
    }

    private struct Output: Decodable { var batches: [DecodedBatch] }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/records-kafka-python-decode.py")

    /// True when python3 can import kafka-python and the codec libraries it needs.
    static let isAvailable: Bool = {
        let result = try? run(["python3", "-c", "import kafka, lz4.frame, snappy, zstandard, xxhash"])
        return result?.status == 0
    }()

    static func decode(_ bytes: ByteBuffer) throws -> [DecodedBatch] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID().uuidString).bin")
        try Data(bytes.readableBytesView).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try run(["python3", script.path, file.path])
        guard result.status == 0 else {
            Issue.record("kafka-python decode failed (\(result.status)): \(String(decoding: result.stderr, as: UTF8.self))")
            return []
        }
        return try JSONDecoder().decode(Output.self, from: result.stdout).batches
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, errors)
    }
}
