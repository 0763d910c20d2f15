import NIOCore

/// The record compression codecs Kafka clients use, in the exact framings the Java client and
/// librdkafka write and read:
/// gzip (RFC 1952, concatenated members accepted), snappy (xerial framing written, xerial or raw read),
/// lz4 (LZ4 frame format, independent 64 KiB blocks), zstd (one or more zstd frames, content size optional).
///
/// Decompression never produces more than `limit` bytes: a small input that inflates past it
/// fails with `CompressionError.limitExceeded` instead of exhausting memory.
public enum Compression {
    /// Kafka's default max.message.bytes is 1 MiB; 64 MiB leaves room for generous topic settings.
    public static let defaultDecompressionLimit = 64 * 1024 * 1024

    public static func compress(_ input: ByteBuffer, codec: CompressionCodec) throws -> ByteBuffer {
        switch codec {
        case .none: return input
        case .gzip: return try GzipCodec.compress(input)
        case .snappy: return try SnappyCodec.compress(input)
        case .lz4: return try LZ4Codec.compress(input)
        case .zstd: return try ZstdCodec.compress(input)
        }
    }

    public static func decompress(
        _ input: ByteBuffer, codec: CompressionCodec, limit: Int = defaultDecompressionLimit
    ) throws -> ByteBuffer {
        switch codec {
        case .none:
            guard input.readableBytes <= limit else { throw CompressionError.limitExceeded(codec: codec, limit: limit) }
            return input
        case .gzip: return try GzipCodec.decompress(input, limit: limit)
        case .snappy: return try SnappyCodec.decompress(input, limit: limit)
        case .lz4: return try LZ4Codec.decompress(input, limit: limit)
        case .zstd: return try ZstdCodec.decompress(input, limit: limit)
        }
    }
}

/// A compression or decompression that failed; carries the codec so an operator knows which library to suspect.
public enum CompressionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not valid data for the codec (bad header, checksum, or truncated stream).
    case corrupt(codec: CompressionCodec, reason: String)
    /// The output would exceed the caller's limit.
    case limitExceeded(codec: CompressionCodec, limit: Int)
    /// The compressor itself failed (out of memory, library error).
    case compressionFailed(codec: CompressionCodec, reason: String)

    public var description: String {
        switch self {
        case let .corrupt(codec, reason): return "corrupt \(codec) data: \(reason)"
        case let .limitExceeded(codec, limit): return "\(codec) data decompresses to more than \(limit) bytes"
        case let .compressionFailed(codec, reason): return "\(codec) compression failed: \(reason)"
        }
    }
}
