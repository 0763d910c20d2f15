import KafkaProtocol
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct KafkaWriterTests {
    @Test func sizePrefixIsPatchedInPlaceInAContiguousMessage() {
        var writer = KafkaWriter(capacity: 16)
        writer.writeInt32(0)
        writer.writeInt16(7)
        writer.setInt32(Int32(writer.byteCount - 4), atMessageOffset: 0)
        #expect(Array(writer.contiguousBuffer.readableBytesView) == [0, 0, 0, 2, 0, 7])
    }

    @Test func sizePrefixIsPatchedInTheFirstPartWhenAFileRegionFollows() throws {
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor >= 0)
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        defer { try? handle.close() }
        var writer = KafkaWriter(capacity: 16)
        writer.writeInt32(0)
        writer.writeInt8(1)
        writer.writeRecords(.file(FileRegion(fileHandle: handle, readerIndex: 0, endIndex: 100)), compact: false)
        writer.writeInt8(2)
        writer.setInt32(Int32(writer.byteCount - 4), atMessageOffset: 0)
        let parts = writer.parts()
        #expect(parts.count == 3)
        guard case .byteBuffer(let first) = parts[0], case .fileRegion(let region) = parts[1], case .byteBuffer(let last) = parts[2] else {
            Issue.record("expected buffer, file region, buffer; got \(parts)")
            return
        }
        // 4 (size) + 1 + 4 (records length) + 100 (region) + 1 = 110, of which 106 follow the prefix.
        #expect(Array(first.readableBytesView) == [0, 0, 0, 106, 1, 0, 0, 0, 100])
        #expect(region.readableBytes == 100)
        #expect(Array(last.readableBytesView) == [2])
    }
}
