import KafkaProtocol
import NIOCore
import Testing

/// A generated message with a generated sample value per version (Tests/KafkaProtocolTests/Generated).
protocol SampledMessage: KafkaMessage {
    static func sample(version: Int16) -> Self
}

/// One message type's round-trip check, type-erased so one parameterised test covers every message.
struct MessageRoundTrip: Sendable, CustomTestStringConvertible {
    let name: String
    let versions: ClosedRange<Int16>
    /// Round-trips the sample of every valid version.
    let checkAllVersions: @Sendable () throws -> Void

    /// `defaultValue` is the message built with every default, to check the samples differ from it.
    init<Message: SampledMessage>(defaultValue: Message) {
        name = String(describing: Message.self)
        versions = Message.validVersions
        checkAllVersions = {
            for version in Message.validVersions {
                let sample = Message.sample(version: version)
                #expect(
                    sample != defaultValue || encodedSize(defaultValue, version: version) <= 1,
                    "\(Message.self) v\(version): the sample sets no field although the version has some")
                try checkRoundTrip(sample, version: version)
            }
        }
    }

    var testDescription: String { name }
}

/// encode → decode gives the value back, consuming every byte; re-encoding gives the same bytes; every
/// strict prefix of the encoding fails to decode with an error (never a trap, never a silent success);
/// corrupting any single byte (to 0xFF: -1 lengths, huge varints) may fail but must not trap.
func checkRoundTrip<Message: KafkaMessage>(_ original: Message, version: Int16) throws {
    let label = "\(Message.self) v\(version)"
    var writer = KafkaWriter()
    original.encode(to: &writer, version: version)
    let encoded = writer.contiguousBuffer

    var input = encoded
    let decoded = try Message(from: &input, version: version)
    #expect(input.readableBytes == 0, "\(label): \(input.readableBytes) bytes left after decoding")
    #expect(decoded == original, "\(label): decoded value differs from the encoded one")

    var again = KafkaWriter()
    decoded.encode(to: &again, version: version)
    #expect(again.contiguousBuffer == encoded, "\(label): re-encoding changed the bytes")

    for length in 0..<encoded.readableBytes {
        var prefix = encoded.getSlice(at: encoded.readerIndex, length: length)!
        #expect(throws: ProtocolDecodingError.self, "\(label): a \(length)-byte prefix decoded") {
            _ = try Message(from: &prefix, version: version)
        }
    }

    for position in 0..<encoded.readableBytes {
        var corrupted = encoded
        corrupted.setInteger(UInt8(0xFF), at: corrupted.readerIndex + position)
        _ = try? Message(from: &corrupted, version: version)
    }
}

/// The encoded size; 0 or 1 (an empty tagged-field section) for a version without fields.
func encodedSize<Message: KafkaMessage>(_ message: Message, version: Int16) -> Int {
    var writer = KafkaWriter()
    message.encode(to: &writer, version: version)
    return writer.byteCount
}
