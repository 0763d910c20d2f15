/// Builds the HTTP requests of the ClickHouse sink: table DDL and idempotent JSONEachRow inserts.
///
/// Idempotency: every insert carries `insert_deduplication_token` = pipeline, sink table, the Kafka offset
/// ranges the batch covers, and a hash of its body. ClickHouse drops a block whose token it has seen within
/// the table's deduplication window (`non_replicated_deduplication_window` on MergeTree, the replicated
/// window on ReplicatedMergeTree), so a retried or replayed batch is written once. Aggregate tables are
/// ReplacingMergeTree(revision): late revisions of a window replace earlier ones at merge time (`FINAL`).
public struct ClickHouseRequests: Sendable {
    public let spec: ClickHouseSinkSpec
    public let pipeline: String

    public init(spec: ClickHouseSinkSpec, pipeline: String) {
        self.spec = spec
        self.pipeline = pipeline
    }

    var qualifiedTable: String { "\(Self.quote(spec.database)).\(Self.quote(spec.table))" }

    public func insert(lines: [String], covering covered: OffsetRanges) -> OutgoingHTTPRequest {
        var body = lines.joined(separator: "\n")
        body += "\n"
        let token = "\(pipeline)/\(spec.table)/\(covered.canonicalDescription)/\(String(StableHash.hash64(body), radix: 16))"
        return request(parameters: [
            ("query", "INSERT INTO \(qualifiedTable) FORMAT JSONEachRow"),
            ("insert_deduplicate", "1"),
            ("insert_deduplication_token", token),
        ], body: body)
    }

    /// `CREATE TABLE IF NOT EXISTS` for the sink's input: one aggregation, or raw events.
    public func createTable(aggregation: WindowedAggregationSpec?) -> OutgoingHTTPRequest {
        let columns: [(String, String)]
        let engine: String
        let orderBy: [String]
        if let aggregation {
            columns = [("window_start", "DateTime64(3, 'UTC')"), ("window_end", "DateTime64(3, 'UTC')")]
                + aggregation.groupBy.map { ($0, "String") }
                + [("revision", "UInt32"), ("is_final", "UInt8")]
                + aggregation.columns.map { column in
                    if case .topN = column.function { return (column.name, "String") }
                    return (column.name, "Nullable(Float64)")
                }
            engine = "ReplacingMergeTree(revision)"
            orderBy = aggregation.groupBy + ["window_start"]
        } else {
            columns = [("time", "DateTime64(3, 'UTC')"), ("topic", "LowCardinality(String)"), ("partition", "Int32"),
                       ("offset", "Int64"), ("fields", "String")]
            engine = "MergeTree"
            orderBy = ["topic", "partition", "offset"]
        }
        let ddl = """
            CREATE TABLE IF NOT EXISTS \(qualifiedTable) (\(columns.map { "\(Self.quote($0.0)) \($0.1)" }.joined(separator: ", "))) \
            ENGINE = \(engine) ORDER BY (\(orderBy.map(Self.quote).joined(separator: ", "))) \
            SETTINGS non_replicated_deduplication_window = 1000
            """
        return request(parameters: [], body: ddl)
    }

    private func request(parameters: [(String, String)], body: String) -> OutgoingHTTPRequest {
        var headers = ["Content-Type": "text/plain; charset=utf-8"]
        if let user = spec.user { headers["X-ClickHouse-User"] = user }
        if let password = spec.password { headers["X-ClickHouse-Key"] = password }
        let base = spec.url.hasSuffix("/") ? String(spec.url.dropLast()) : spec.url
        let query = parameters.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return OutgoingHTTPRequest(method: "POST", url: query.isEmpty ? "\(base)/" : "\(base)/?\(query)", headers: headers, body: Array(body.utf8))
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
