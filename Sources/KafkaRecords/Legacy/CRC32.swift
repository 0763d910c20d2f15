import CCompressZlib
import NIOCore

/// CRC-32 (IEEE 802.3, zlib's), which legacy messages use; v2 batches use CRC-32C instead.
func crc32IEEE(_ buffer: ByteBuffer, at index: Int, length: Int) -> UInt32 {
    buffer.withUnsafeReadableBytes { bytes in
        let start = index - buffer.readerIndex
        let region = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
        guard let base = region.baseAddress else { return 0 }
        return UInt32(crc32(0, base.assumingMemoryBound(to: Bytef.self), uInt(region.count)))
    }
}
