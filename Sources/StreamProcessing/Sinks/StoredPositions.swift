/// The highest Kafka offset per partition whose event a destination already holds.
///
/// A sink that writes each partition's events in offset order, in inserts that land whole or not at all,
/// holds exactly the events at or below these offsets; replayed events there are skipped, which makes the
/// destination exactly-once without server-side deduplication.
public struct StoredPositions: Hashable, Sendable {
    public private(set) var highestOffsets: [TopicPartition: Int64] = [:]

    public init(highestOffsets: [TopicPartition: Int64] = [:]) {
        self.highestOffsets = highestOffsets
    }

    public func contains(_ partition: TopicPartition, offset: Int64) -> Bool {
        guard let highest = highestOffsets[partition] else { return false }
        return offset <= highest
    }

    public mutating func record(_ partition: TopicPartition, offset: Int64) {
        highestOffsets[partition] = max(highestOffsets[partition] ?? offset, offset)
    }

    /// Reads ClickHouse's TabSeparated answer to `ClickHouseRequests.storedPositions()`: `topic\tpartition\toffset`
    /// lines. The text comes from the network, so anything else is an error naming the line, never a trap.
    public static func parse(tabSeparated text: String, table: String) throws -> StoredPositions {
        var positions = StoredPositions()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 3, !columns[0].isEmpty, let partition = Int32(columns[1]), let offset = Int64(columns[2]) else {
                throw StoredPositionsError.malformedLine(table: table, line: index + 1, text: String(line.prefix(200)))
            }
            positions.record(TopicPartition(topic: String(columns[0]), partition: partition), offset: offset)
        }
        return positions
    }
}

public enum StoredPositionsError: Error, Equatable, CustomStringConvertible {
    case malformedLine(table: String, line: Int, text: String)

    public var description: String {
        switch self {
        case .malformedLine(let table, let line, let text):
            return "ClickHouse \(table): line \(line) of the stored-offsets answer is not topic<TAB>partition<TAB>offset: \(text.debugDescription)"
        }
    }
}
