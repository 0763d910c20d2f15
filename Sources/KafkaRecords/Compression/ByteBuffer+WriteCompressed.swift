import NIOCore

extension ByteBuffer {
    /// Appends what a one-shot C compressor writes when given `bound` bytes of space
    /// (its worst-case output size). `compress` returns the bytes it wrote.
    @discardableResult
    mutating func writeCompressed(
        from input: ByteBuffer, bound: Int,
        _ compress: (_ source: UnsafeRawBufferPointer, _ target: UnsafeMutableRawBufferPointer) throws -> Int
    ) throws -> Int {
        try input.withUnsafeReadableBytes { source in
            try writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                try compress(source, UnsafeMutableRawBufferPointer(rebasing: target.prefix(bound)))
            }
        }
    }
}
