import Foundation

/// The partials topic between a pipeline's two stages: which of its partitions each record goes to, and
/// how records are written.
///
/// Guarantees: every member routes a window's share by aggregation and group key alone
/// (`StableHash`, not the producer's partitioner), so all shares of one group's windows, from every
/// source partition, meet in one partition, whose owner alone merges them, feeds them to detectors and
/// alert rules, and writes them; every progress report goes to every partition, after the shares it
/// follows, so each partition's owner sees every source partition's event time.
public struct Exchange: Sendable, Equatable {
    public let topic: String
    public let partitionCount: Int32

    public init(topic: String, partitionCount: Int32) {
        self.topic = topic
        self.partitionCount = max(1, partitionCount)
    }

    /// The partials topic of a consumer group: the group is the identity of a pipeline's processors.
    public static func topic(forGroup group: String) -> String { "__logport-\(group)-partials" }

    /// The merge stage's consumer group, beside the source stage's.
    public static func mergeGroup(forGroup group: String) -> String { "\(group).merge" }

    /// The key of the merge stage's own checkpoint records, which the merge skips.
    public static let checkpointKey = Array("checkpoint".utf8)

    public func partition(aggregation: String, groupValues: [String]) -> Int32 {
        let key = ([aggregation] + groupValues).joined(separator: "\u{1F}")
        return Int32(StableHash.hash64(key) % UInt64(partitionCount))
    }

    /// The records of a source-stage output: shares first, then each progress report to every partition.
    public func records(for output: ProcessorOutput) -> [OutgoingRecord] {
        guard !output.partials.isEmpty || !output.progress.isEmpty else { return [] }
        var records: [OutgoingRecord] = []
        records.reserveCapacity(output.partials.count + output.progress.count * Int(partitionCount))
        let encoder = StateCoding.encoder
        for partial in output.partials {
            records.append(OutgoingRecord(
                topic: topic, key: Array("\(partial.aggregation)|\(partial.groupValues.joined(separator: ","))".utf8),
                value: Self.encode(.partial(partial), with: encoder),
                partition: partition(aggregation: partial.aggregation, groupValues: partial.groupValues)))
        }
        for progress in output.progress {
            let value = Self.encode(.progress(progress), with: encoder)
            let key = Array("progress|\(progress.source)".utf8)
            for partition in 0..<partitionCount {
                records.append(OutgoingRecord(topic: topic, key: key, value: value, partition: partition))
            }
        }
        return records
    }

    private static func encode(_ record: ExchangeRecord, with encoder: JSONEncoder) -> [UInt8] {
        // Cannot fail: these value types hold nothing but strings, integers and (possibly infinite) doubles.
        Array((try? encoder.encode(record)) ?? Data())
    }

    /// The record a partials-topic record holds; nil for the merge stage's own checkpoint records.
    static func decode(_ record: SourceRecord) throws -> ExchangeRecord? {
        if let key = record.key, Array(key.readableBytesView) == checkpointKey { return nil }
        guard let value = record.value else { throw FieldParseError.invalidJSON("a partials record without a value") }
        do {
            return try StateCoding.decoder.decode(ExchangeRecord.self, from: Data(value.readableBytesView))
        } catch {
            throw FieldParseError.invalidJSON("not a window share or progress report: \(error)")
        }
    }
}

/// What the source stage tells the merge stage.
enum ExchangeRecord: Codable, Sendable, Equatable {
    case partial(WindowPartial)
    case progress(SourceProgress)
}

/// JSON for state that crosses the network or a restart: an empty sketch's minimum is +infinity, which
/// plain `JSONEncoder` refuses. (Keys unsorted: only this code reads it, and sorting is a cost per share.)
enum StateCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
