/// Kafka's 128-bit UUID (topic ids). Kept as two integers so the codec needs no Foundation.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The all-zero UUID Kafka uses for "no topic id".
    public static let zero = KafkaUUID(high: 0, low: 0)

    public var isZero: Bool { self == .zero }

    /// A random version-4 UUID.
    public static func random() -> KafkaUUID {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000
        return KafkaUUID(high: high, low: low)
    }

    public var description: String {
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
