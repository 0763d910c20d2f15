import Foundation

/// Turns processor output into flat JSON rows, the shape every sink writes (ClickHouse JSONEachRow,
/// JSON-lines files, Kafka records). Times are UTC text (`2024-05-01 12:00:00.250`), rankings JSON text.
enum SinkRows {
    /// A row and the key that keeps its series together (Kafka record key): aggregation and group key,
    /// alert id, or source partition.
    struct Row {
        var key: String
        var fields: [String: FieldValue]
    }

    static func rows(for input: SinkInput, from output: ProcessorOutput, includeAggregationName: Bool) -> [Row] {
        switch input {
        case .events:
            return output.events.map { Row(key: $0.topicPartition.description, fields: eventRow($0)) }
        case .alerts:
            return output.alerts.map { Row(key: $0.id, fields: alertRow($0)) }
        case .aggregations(let names):
            return output.windowResults.filter { names.contains($0.aggregation) }.map {
                Row(key: "\($0.aggregation)|\($0.groupKey)", fields: windowRow($0, includeAggregationName: includeAggregationName))
            }
        }
    }

    static func windowRow(_ result: WindowResult, includeAggregationName: Bool) -> [String: FieldValue] {
        var row: [String: FieldValue] = [
            "window_start": .string(CivilTime.format(millis: result.windowStartMillis)),
            "window_end": .string(CivilTime.format(millis: result.windowEndMillis)),
            "revision": .number(Double(result.revision)),
            "is_final": .number(result.isFinal ? 1 : 0),
        ]
        if includeAggregationName { row["aggregation"] = .string(result.aggregation) }
        for (field, value) in zip(result.groupKey.fields, result.groupKey.values) { row[field] = .string(value) }
        for (column, value) in result.values {
            switch value {
            case .number(let number): row[column] = number.map(FieldValue.number) ?? .null
            case .ranking(let entries): row[column] = .string(json(entries))
            }
        }
        return row
    }

    static func eventRow(_ event: Event) -> [String: FieldValue] {
        [
            "time": .string(CivilTime.format(millis: event.timeMillis)),
            "topic": .string(event.topicPartition.topic),
            "partition": .number(Double(event.topicPartition.partition)),
            "offset": .number(Double(event.offset)),
            "fields": .string(JSONText.object(event.fields)),
        ]
    }

    static func alertRow(_ alert: AlertEvent) -> [String: FieldValue] {
        [
            "id": .string(alert.id), "rule": .string(alert.rule), "severity": .string(alert.severity),
            "group_key": .string(alert.groupKey.description), "state": .string(alert.state.rawValue),
            "at": .string(CivilTime.format(millis: alert.atMillis)), "opened_at": .string(CivilTime.format(millis: alert.openedAtMillis)),
            "value": alert.value.map(FieldValue.number) ?? .null, "message": .string(alert.message),
        ]
    }

    /// One JSON object per row, keys sorted, no trailing newline.
    static func jsonLine(_ row: [String: FieldValue]) -> String {
        JSONText.object(row)
    }

    private static func json<Value: Encodable>(_ value: Value) -> String {
        // Encoding these value types cannot fail: non-finite numbers already encode as null.
        let data = (try? JSONEncoder.sorted.encode(value)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
