import KafkaProtocol
import NIOCore

/// The per-partition `partition-checkpoint` file: the log start offset, the recovery point (every
/// offset below it was fsynced, so recovery rescans only segments at or after it), and whether the
/// log was closed cleanly (then even the active segment's index files can be trusted).
///
/// Kafka keeps these in three data-directory-wide files (`log-start-offset-checkpoint`,
/// `recovery-point-offset-checkpoint`, `.kafka_cleanshutdown`). One small file per partition lets
/// each partition open, close and checkpoint independently, with no cross-partition lock. Text,
/// like Kafka's checkpoint files: a version line, then "key value" lines.
struct PartitionCheckpoint: Equatable, Sendable {
    static let fileName = "partition-checkpoint"

    var logStartOffset: Offset
    var recoveryPoint: Offset
    var cleanShutdown: Bool

    func serialized() -> ByteBuffer {
        ByteBuffer(
            string: """
                0
                log-start-offset \(logStartOffset.rawValue)
                recovery-point \(recoveryPoint.rawValue)
                clean-shutdown \(cleanShutdown)

                """)
    }

    /// nil when the file is not in this format (then the log is recovered as after a crash).
    static func parse(_ file: ByteBuffer) -> PartitionCheckpoint? {
        var values: [Substring: Substring] = [:]
        let lines = String(buffer: file).split(separator: "\n")
        guard lines.first == "0" else { return nil }
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { return nil }
            values[fields[0]] = fields[1]
        }
        guard let start = values["log-start-offset"].flatMap({ Int64($0) }),
            let recovery = values["recovery-point"].flatMap({ Int64($0) }),
            let clean = values["clean-shutdown"].flatMap({ Bool(String($0)) })
        else { return nil }
        return PartitionCheckpoint(logStartOffset: Offset(start), recoveryPoint: Offset(recovery), cleanShutdown: clean)
    }
}
