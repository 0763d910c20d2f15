import KafkaProtocol

/// Kafka's file naming: a segment's files are named by its base offset in 20 zero-padded digits,
/// so a directory listing sorts them in log order (`00000000000000000000.log`, `.index`, `.timeindex`);
/// producer state snapshots follow the same scheme (`.snapshot`).
enum SegmentFileName {
    static let log = "log"
    static let offsetIndex = "index"
    static let timeIndex = "timeindex"
    static let producerSnapshot = "snapshot"

    static func name(_ offset: Offset, _ suffix: String) -> String {
        let digits = String(offset.rawValue)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "." + suffix
    }

    /// The offset in a file name with `suffix`, or nil for any other file.
    static func offset(in fileName: String, suffix: String) -> Offset? {
        let ending = "." + suffix
        guard fileName.hasSuffix(ending) else { return nil }
        let digits = fileName.dropLast(ending.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else {
            return nil
        }
        return Offset(value)
    }
}
