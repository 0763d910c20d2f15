import NIOCore
@testable import StreamProcessing

/// SplitMix64: a deterministic generator, so every test input is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func jsonRecord(_ partition: TopicPartition, offset: Int64, timeMillis: Int64, _ json: String) -> SourceRecord {
    SourceRecord(topicPartition: partition, offset: offset, timestampMillis: timeMillis, value: ByteBuffer(string: json))
}

func tumbling(_ sizeMillis: Int64) -> WindowSpec {
    // Sizes in tests are positive constants.
    try! WindowSpec.tumbling(sizeMillis: sizeMillis)
}

func event(_ fields: [String: FieldValue], at timeMillis: Int64, partition: Int32 = 0, offset: Int64 = 0) -> Event {
    Event(fields: fields, timeMillis: timeMillis, topicPartition: TopicPartition(topic: "logs", partition: partition), offset: offset)
}

extension Array where Element == WindowResult {
    /// The latest revision of every window: what a sink that keeps the highest revision ends up with.
    var latestRevisions: [String: WindowResult] {
        var latest: [String: WindowResult] = [:]
        for result in self {
            let key = "\(result.aggregation)|\(result.groupKey)|\(result.windowStartMillis)"
            if let existing = latest[key], existing.revision > result.revision { continue }
            latest[key] = result
        }
        return latest
    }
}
