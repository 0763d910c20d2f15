import KafkaRecords
import NIOCore
import Testing

@Suite struct CompressionTests {
    static let compressedCodecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

    /// Text-like bytes: compressible but not trivially so.
    static func sample(size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        var index = 0
        while buffer.readableBytes < size {
            buffer.writeString("line \(index) of the sample, \(index * 7919 % 1000) ")
            index += 1
        }
        return buffer.getSlice(at: 0, length: size)!
    }

    @Test(arguments: compressedCodecs, [0, 1, 100_000, 1_000_000])
    func roundTrips(_ codec: CompressionCodec, size: Int) throws {
        let input = Self.sample(size: size)
        let compressed = try Compression.compress(input, codec: codec)
        #expect(try Compression.decompress(compressed, codec: codec) == input)
    }

    @Test func snappyIsWrittenInXerialFramingWith32KiBBlocks() throws {
        let input = Self.sample(size: 70_000)
        var framed = try Compression.compress(input, codec: .snappy)

        #expect(framed.readBytes(length: 16) == [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
        var blockSizes: [Int] = []
        var reassembled = ByteBuffer()
        while framed.readableBytes > 0 {
            let length = framed.readInteger(as: Int32.self) ?? 0
            let slice = framed.readSlice(length: Int(length))
            let compressedBlock = try #require(slice)
            // Each block is raw snappy on its own: an xerial-unaware reader can decode it alone.
            var block = try Compression.decompress(compressedBlock, codec: .snappy)
            blockSizes.append(block.readableBytes)
            reassembled.writeBuffer(&block)
        }
        #expect(blockSizes == [32_768, 32_768, 4_464])
        #expect(reassembled == input)
    }

    /// LZ4 frame header: magic, FLG 0x60 (version 1, independent blocks, no checksums, no content size),
    /// BD 0x40 (64 KiB blocks), then the header checksum. Magic 0 carries Kafka 0.8's wrong checksum,
    /// byte for byte what kafka-python's lz4_encode_old_kafka writes (fixture legacy-v0-lz4).
    @Test func lz4FrameHeaderMatchesTheJavaClient() throws {
        let frame = try Compression.compress(Self.sample(size: 1_000), codec: .lz4)
        #expect(frame.getBytes(at: 0, length: 7) == [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82])

        let legacy = try LegacyMessageSet.encode(
            [LegacyMessage(offset: 0, key: nil, value: Self.sample(size: 1_000))], magic: .v0, codec: .lz4)
        let valueStart = 12 + 4 + 2 + 4 + 4  // log overhead, crc, magic+attributes, null key, value length
        #expect(legacy.getBytes(at: valueStart, length: 7) == [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x1A])
        let fixture = try Fixtures.bytes("legacy-v0-lz4")
        #expect(fixture.getBytes(at: valueStart, length: 7) == [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x1A])
    }

    @Test(arguments: compressedCodecs)
    func decompressionStopsAtTheLimit(_ codec: CompressionCodec) throws {
        let bomb = try Compression.compress(ByteBuffer(repeating: 0, count: 8 << 20), codec: codec)
        #expect(bomb.readableBytes < 1 << 20)

        #expect(throws: CompressionError.limitExceeded(codec: codec, limit: 1 << 20)) {
            try Compression.decompress(bomb, codec: codec, limit: 1 << 20)
        }
        #expect(throws: CompressionError.limitExceeded(codec: codec, limit: (8 << 20) - 1)) {
            try Compression.decompress(bomb, codec: codec, limit: (8 << 20) - 1)
        }
        #expect(try Compression.decompress(bomb, codec: codec, limit: 8 << 20).readableBytes == 8 << 20)
    }

    @Test(arguments: compressedCodecs)
    func anyLimitIsSafe(_ codec: CompressionCodec) throws {
        let input = Self.sample(size: 10_000)
        let compressed = try Compression.compress(input, codec: codec)
        #expect(try Compression.decompress(compressed, codec: codec, limit: .max) == input)
        #expect(throws: CompressionError.limitExceeded(codec: codec, limit: 0)) {
            try Compression.decompress(compressed, codec: codec, limit: -5)
        }
    }

    @Test(arguments: compressedCodecs)
    func truncatedStreamIsCorrupt(_ codec: CompressionCodec) throws {
        let compressed = try Compression.compress(Self.sample(size: 100_000), codec: codec)
        let truncated = compressed.getSlice(at: 0, length: compressed.readableBytes - 5)!
        #expect {
            try Compression.decompress(truncated, codec: codec)
        } throws: { error in
            guard case CompressionError.corrupt(let failedCodec, _) = error else { return false }
            return failedCodec == codec
        }
    }

    @Test(arguments: compressedCodecs)
    func garbageIsCorrupt(_ codec: CompressionCodec) throws {
        let garbage = ByteBuffer(bytes: (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) })
        #expect {
            try Compression.decompress(garbage, codec: codec)
        } throws: { error in
            guard case CompressionError.corrupt(let failedCodec, _) = error else { return false }
            return failedCodec == codec
        }
    }

    @Test func concatenatedGzipMembersAreAllRead() throws {
        var first = try Compression.compress(ByteBuffer(string: "first member, "), codec: .gzip)
        var second = try Compression.compress(ByteBuffer(string: "second member"), codec: .gzip)
        first.writeBuffer(&second)
        #expect(try Compression.decompress(first, codec: .gzip) == ByteBuffer(string: "first member, second member"))
    }
}
