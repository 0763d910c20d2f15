import KafkaProtocol
import KafkaRecords
import NIOCore
import Testing

/// Damaged input must produce the right typed error, never a trap.
@Suite struct CorruptionTests {
    static let records = sampleRecords(count: 20)

    static func batch(_ codec: CompressionCodec = .none) throws -> ByteBuffer {
        try RecordBatchBuilder(baseOffset: 500, codec: codec).build(records)
    }

    /// Recomputes the CRC after a test edits covered bytes, so the decoder gets past the CRC check.
    static func resealed(_ bytes: ByteBuffer) -> ByteBuffer {
        var bytes = bytes
        let crc = RecordBatchHeader.computeCRC(of: bytes, batchAt: bytes.readerIndex, totalSize: bytes.readableBytes)
        bytes.setInteger(crc, at: bytes.readerIndex + RecordBatchHeader.crcOffset)
        return bytes
    }

    static func decodeError(_ bytes: ByteBuffer, decompressionLimit: Int = Compression.defaultDecompressionLimit) -> RecordBatchError? {
        var bytes = bytes
        do {
            _ = try RecordBatch.read(from: &bytes, decompressionLimit: decompressionLimit)
            return nil
        } catch let error as RecordBatchError {
            return error
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    @Test(arguments: [RecordBatchHeader.attributesOffset, RecordBatchHeader.size + 3, -1])
    func flippedByteIsACRCError(_ index: Int) throws {
        let original = try Self.batch()
        var bytes = original
        let position = index < 0 ? bytes.writerIndex - 1 : index
        bytes.setInteger(bytes.getInteger(at: position, as: UInt8.self)! ^ 0x40, at: position)
        let actual = RecordBatchHeader.computeCRC(of: bytes, batchAt: 0, totalSize: bytes.readableBytes)
        let stored = original.getInteger(at: RecordBatchHeader.crcOffset, as: UInt32.self)!

        let expected = RecordBatchError.corruptCRC(expected: stored, actual: actual, position: 0, baseOffset: 500)
        #expect(Self.decodeError(bytes) == expected)
        #expect(expected.errorCode == .corruptMessage)
        #expect(throws: expected) { try ProducedRecordsValidator.validate(bytes, maxBatchBytes: 1 << 20) }
    }

    @Test func baseOffsetAndLeaderEpochAreOutsideTheCRC() throws {
        var bytes = try Self.batch()
        bytes.setInteger(Int64(9_999), at: 0)
        bytes.setInteger(Int32(77), at: RecordBatchHeader.partitionLeaderEpochOffset)
        let batch = try RecordBatch.read(from: &bytes)
        #expect(batch.header.baseOffset == 9_999)
        #expect(batch.header.partitionLeaderEpoch == 77)
    }

    @Test(arguments: [1, 10, RecordBatchHeader.size - 1, RecordBatchHeader.size + 1])
    func truncatedBatch(_ keep: Int) throws {
        let whole = try Self.batch()
        let bytes = whole.getSlice(at: 0, length: whole.readableBytes - keep)!
        let error = Self.decodeError(bytes)
        guard case .truncated(_, 0, _, bytes.readableBytes) = error else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(error?.errorCode == .corruptMessage)
    }

    @Test func batchLengthBeyondTheBuffer() throws {
        var bytes = try Self.batch()
        let length = bytes.getInteger(at: 8, as: Int32.self)!
        bytes.setInteger(length + 100, at: 8)
        #expect(Self.decodeError(bytes) == .truncated(what: "record batch", position: 0, needed: Int(length) + 112, available: bytes.readableBytes))
    }

    @Test(arguments: [Int32(-1), Int32.min, 0, 48])
    func batchLengthTooSmallOrNegative(_ length: Int32) throws {
        var bytes = try Self.batch()
        bytes.setInteger(length, at: 8)
        #expect(Self.decodeError(bytes) == .invalidBatchLength(length, position: 0))
        #expect(Self.decodeError(bytes)?.errorCode == .corruptMessage)
    }

    /// The first record starts at byte 61: length varint, attributes, timestampDelta, offsetDelta, key length.
    @Test(arguments: [
        (UInt8(0x01), "record length -1"),          // zig-zag 1 = -1
        (UInt8(0x7E), "record length 63"),          // longer than the whole records section
    ])
    func badRecordLength(_ byte: UInt8, _ label: String) throws {
        let single = try RecordBatchBuilder().build([ProducerRecord(key: ByteBuffer(string: "k"), value: nil, timestamp: 0)])
        var bytes = single
        bytes.setInteger(byte, at: RecordBatchHeader.size)
        guard case .invalidRecord = Self.decodeError(Self.resealed(bytes)) else {
            Issue.record("\(label): expected invalidRecord, got \(String(describing: Self.decodeError(Self.resealed(bytes))))")
            return
        }
    }

    @Test(arguments: [UInt8(0x09), 0x05, 0x7F])  // key length -5, -3, -64
    func negativeKeyLength(_ byte: UInt8) throws {
        var bytes = try RecordBatchBuilder().build([ProducerRecord(key: ByteBuffer(string: "k"), value: nil, timestamp: 0)])
        bytes.setInteger(byte, at: RecordBatchHeader.size + 4)
        let error = Self.decodeError(Self.resealed(bytes))
        guard case .invalidRecord(let reason, 0) = error else {
            Issue.record("expected invalidRecord, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("key length"))
        #expect(error?.errorCode == .invalidRecord)
    }

    @Test(arguments: [Int32(19), 21, 0, -1, Int32.max])
    func recordCountMismatch(_ declared: Int32) throws {
        for codec in [CompressionCodec.none, .zstd] {
            var bytes = try Self.batch(codec)
            bytes.setInteger(declared, at: 57)
            let error = Self.decodeError(Self.resealed(bytes))
            #expect(error == .recordCountMismatch(declared: declared, actual: 20, baseOffset: 500))
            #expect(error?.errorCode == .invalidRecord)
        }
    }

    @Test(arguments: [Int16(5), 6, 7])
    func garbageCodecBits(_ codecBits: Int16) throws {
        var bytes = try Self.batch()
        bytes.setInteger(codecBits, at: RecordBatchHeader.attributesOffset)
        let sealed = Self.resealed(bytes)
        let expected = RecordBatchError.unknownCodec(attributes: codecBits, position: 0, baseOffset: 500)
        #expect(Self.decodeError(sealed) == expected)
        #expect(expected.errorCode == .unsupportedCompressionType)
        #expect(throws: expected) { try ProducedRecordsValidator.validate(sealed, maxBatchBytes: 1 << 20) }
    }

    @Test(arguments: [Int8(0), 1, 3, -1])
    func otherMagic(_ magic: Int8) throws {
        var bytes = try Self.batch()
        bytes.setInteger(magic, at: RecordBatchHeader.magicOffset)
        let expected: RecordBatchError = magic == 0 || magic == 1
            ? .legacyMagic(magic, position: 0) : .unsupportedMagic(magic, position: 0)
        #expect(Self.decodeError(bytes) == expected)
    }

    @Test(arguments: CompressionTests.compressedCodecs)
    func decompressionBombOverTheLimit(_ codec: CompressionCodec) throws {
        let bomb = ProducerRecord(key: nil, value: ByteBuffer(repeating: 0, count: 4 << 20), timestamp: 0)
        let bytes = try RecordBatchBuilder(baseOffset: 7, codec: codec).build([bomb])
        #expect(bytes.readableBytes < 300_000)

        let error = Self.decodeError(bytes, decompressionLimit: 1 << 20)
        #expect(error == .decompressedSizeLimitExceeded(codec: codec, limit: 1 << 20, baseOffset: 7))
        #expect(error?.errorCode == .messageTooLarge)
        #expect(Self.decodeError(bytes, decompressionLimit: 5 << 20) == nil)
    }

    @Test(arguments: CompressionTests.compressedCodecs)
    func garbageInACompressedBatch(_ codec: CompressionCodec) throws {
        var bytes = try Self.batch(codec)
        for index in (RecordBatchHeader.size + 8)..<bytes.writerIndex where index % 3 == 0 {
            bytes.setInteger(UInt8(truncatingIfNeeded: index &* 131), at: index)
        }
        let error = Self.decodeError(Self.resealed(bytes))
        guard case .decompressionFailed(codec, _, 500) = error else {
            Issue.record("expected \(codec) decompression failure, got \(String(describing: error))")
            return
        }
        #expect(error?.errorCode == .corruptMessage)
    }

    @Test func corruptLegacyMessage() throws {
        let legacy = try Fixtures.bytes("legacy-v1-none")
        var flipped = legacy
        flipped.setInteger(flipped.getInteger(at: 30, as: UInt8.self)! ^ 1, at: 30)
        #expect {
            try LegacyMessageSet.decode(flipped)
        } throws: { error in
            guard case RecordBatchError.corruptCRC(_, _, 0, 100) = error else { return false }
            return true
        }
        let truncated = legacy.getSlice(at: 0, length: legacy.readableBytes - 1)!
        #expect {
            try LegacyMessageSet.decode(truncated)
        } throws: { error in
            guard case RecordBatchError.truncated = error else { return false }
            return true
        }
    }

    /// Random single-byte damage (CRC resealed so it reaches the record parser) and random cuts:
    /// every outcome is a value or a RecordBatchError, never a crash.
    @Test(arguments: CompressionCodec.allCases)
    func randomDamageNeverTraps(_ codec: CompressionCodec) throws {
        let original = try Self.batch(codec)
        var random = SplitMix64(seed: UInt64(codec.rawValue) + 1)
        for _ in 0..<2_000 {
            var bytes = original
            let index = Int(random.next() % UInt64(bytes.readableBytes))
            bytes.setInteger(UInt8(truncatingIfNeeded: random.next()), at: index)
            let cut = random.next() % 4 == 0 ? Int(random.next() % UInt64(bytes.readableBytes)) : 0
            bytes.moveWriterIndex(to: bytes.writerIndex - cut)
            let sealed = cut == 0 && index >= RecordBatchHeader.attributesOffset ? Self.resealed(bytes) : bytes
            var reader = sealed
            do {
                _ = try RecordBatch.read(from: &reader, decompressionLimit: 1 << 20)
            } catch is RecordBatchError {
            }
            do {
                _ = try ProducedRecordsValidator.validate(sealed, maxBatchBytes: 1 << 20)
            } catch is RecordBatchError {
            }
        }
    }

    @Test(arguments: ["legacy-v0-gzip", "legacy-v1-none", "legacy-v1-lz4", "legacy-v1-snappy"])
    func randomLegacyDamageNeverTraps(_ name: String) throws {
        let original = try Fixtures.bytes(name)
        var random = SplitMix64(seed: UInt64(name.utf8.count))
        for _ in 0..<2_000 {
            var bytes = original
            let index = Int(random.next() % UInt64(bytes.readableBytes))
            bytes.setInteger(UInt8(truncatingIfNeeded: random.next()), at: index)
            do {
                _ = try LegacyMessageSet.decode(bytes, decompressionLimit: 1 << 20)
            } catch is RecordBatchError {
            }
        }
    }
}

/// A seedable generator so a failing damage pattern can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
