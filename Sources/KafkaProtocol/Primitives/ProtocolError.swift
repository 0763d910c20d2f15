/// A frame or field that cannot be decoded. Carries what was being read so the
/// broker's log line tells an operator which client sent what.
public struct ProtocolDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    public static func truncated(_ what: String) -> ProtocolDecodingError {
        ProtocolDecodingError("truncated input while reading \(what)")
    }

    public static func invalidLength(_ what: String, _ length: Int) -> ProtocolDecodingError {
        ProtocolDecodingError("invalid length \(length) for \(what)")
    }

    public static func unsupportedVersion(_ message: String, _ version: Int16) -> ProtocolDecodingError {
        ProtocolDecodingError("\(message) has no version \(version)")
    }
}
