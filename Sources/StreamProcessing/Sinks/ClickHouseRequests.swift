/// Builds the HTTP requests of the ClickHouse sink: version probe, DDL, JSONEachRow inserts, and the query
/// that tells which Kafka records an events table already holds.
///
/// Every statement works from ClickHouse 18.16 (Debian 12) on: no `insert_deduplication_token`, no
/// `non_replicated_deduplication_window`, no `PARTITION BY` (an insert of fewer than
/// `max_insert_block_size` rows into an unpartitioned MergeTree is one part, so it lands whole or not at
/// all, which the sink's exactly-once relies on). Aggregate tables are ReplacingMergeTree(revision): a
/// window's final revision replaces its first at merge time or with `FINAL`.
public struct ClickHouseRequests: Sendable {
    public let spec: ClickHouseSinkSpec
    /// The partials topic whose positions aggregate rows store.
    public let exchangeTopic: String

    public init(spec: ClickHouseSinkSpec, exchangeTopic: String) {
        self.spec = spec
        self.exchangeTopic = exchangeTopic
    }

    /// Aggregate tables: the partials-topic partition and offset of the record that completed a row.
    static let partialsPartitionColumn = "partials_partition"
    static let partialsOffsetColumn = "partials_offset"

    var qualifiedTable: String { "\(Self.quote(spec.database)).\(Self.quote(spec.table))" }

    public func serverVersion() -> OutgoingHTTPRequest {
        request(parameters: [], body: "SELECT version()")
    }

    public func createDatabase() -> OutgoingHTTPRequest {
        request(parameters: [], body: "CREATE DATABASE IF NOT EXISTS \(Self.quote(spec.database))")
    }

    /// `CREATE TABLE IF NOT EXISTS` for the sink's input: one aggregation, or raw events.
    public func createTable(aggregation: WindowedAggregationSpec?, dialect: ClickHouseDialect) -> OutgoingHTTPRequest {
        let columns: [(String, String)]
        let engine: String
        let orderBy: [String]
        if let aggregation {
            columns = [("window_start", dialect.timeType), ("window_end", dialect.timeType)]
                + aggregation.groupBy.map { ($0, "String") }
                + [("revision", "UInt32"), ("is_final", "UInt8")]
                + aggregation.columns.map { column in
                    if case .topN = column.function { return (column.name, "String") }
                    return (column.name, "Nullable(Float64)")
                }
                + [(Self.partialsPartitionColumn, "Int32"), (Self.partialsOffsetColumn, "Int64")]
            engine = "ReplacingMergeTree(revision)"
            orderBy = aggregation.groupBy + ["window_start"]
        } else {
            columns = [("time", dialect.timeType), ("topic", dialect.lowCardinalityString), ("partition", "Int32"),
                       ("offset", "Int64"), ("fields", "String")]
            engine = "MergeTree()"
            orderBy = Self.positionColumns
        }
        let ddl = """
            CREATE TABLE IF NOT EXISTS \(qualifiedTable) (\(columns.map { "\(Self.quote($0.0)) \($0.1)" }.joined(separator: ", "))) \
            ENGINE = \(engine) ORDER BY (\(orderBy.map(Self.quote).joined(separator: ", ")))
            """
        return request(parameters: [], body: ddl)
    }

    /// One INSERT of the lines as they are; its rows land together or not at all (see the type's doc).
    public func insert(lines: [String]) -> OutgoingHTTPRequest {
        var body = lines.joined(separator: "\n")
        body += "\n"
        return request(parameters: [
            ("query", "INSERT INTO \(qualifiedTable) FORMAT JSONEachRow"),
            ("date_time_input_format", "best_effort"),
        ], body: body)
    }

    /// The highest Kafka position stored per topic and partition, as TabSeparated `topic, partition,
    /// offset` lines (see `StoredPositions.parse`): source records of an events table, partials-topic
    /// records of an aggregate table.
    public func storedPositions() -> OutgoingHTTPRequest {
        guard spec.input != .events else {
            let (topic, partition, offset) = (Self.quote("topic"), Self.quote("partition"), Self.quote("offset"))
            return request(parameters: [], body: """
                SELECT \(topic), \(partition), max(\(offset)) FROM \(qualifiedTable) GROUP BY \(topic), \(partition) FORMAT TabSeparated
                """)
        }
        let (partition, offset) = (Self.quote(Self.partialsPartitionColumn), Self.quote(Self.partialsOffsetColumn))
        return request(parameters: [], body: """
            SELECT \(Self.literal(exchangeTopic)), \(partition), max(\(offset)) FROM \(qualifiedTable) GROUP BY \(partition) FORMAT TabSeparated
            """)
    }

    /// The columns that name an event's Kafka record, which are also the events table's sort key.
    static let positionColumns = ["topic", "partition", "offset"]

    private func request(parameters: [(String, String)], body: String) -> OutgoingHTTPRequest {
        var headers = ["Content-Type": "text/plain; charset=utf-8"]
        if let user = spec.user { headers["X-ClickHouse-User"] = user }
        if let password = spec.password { headers["X-ClickHouse-Key"] = password }
        let base = spec.url.hasSuffix("/") ? String(spec.url.dropLast()) : spec.url
        let query = parameters.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return OutgoingHTTPRequest(method: "POST", url: query.isEmpty ? "\(base)/" : "\(base)/?\(query)", headers: headers, body: Array(body.utf8))
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    static func quote(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`") + "`"
    }

    static func percentEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
