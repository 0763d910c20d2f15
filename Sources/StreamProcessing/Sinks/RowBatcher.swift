/// Cuts rows into batches of at most `maxRows`, or whatever is pending once the oldest row waited
/// `maxDelayMillis`. Each batch carries the input offsets accepted since the previous cut, for error
/// messages that tell the operator which records a failed write held. Rows `inseparable` from the row
/// before them go into its batch, even past `maxRows`.
struct RowBatcher<Row: Sendable>: Sendable {
    struct Batch: Sendable {
        var rows: [Row]
        var covered: OffsetRanges
    }

    let maxRows: Int
    let maxDelayMillis: Int64
    private let inseparable: @Sendable (Row, Row) -> Bool
    private var pending: [Row] = []
    private var covered = OffsetRanges()
    private var oldestPendingMillis: Int64?

    init(maxRows: Int, maxDelayMillis: Int64, inseparable: @escaping @Sendable (Row, Row) -> Bool = { _, _ in false }) {
        self.maxRows = max(1, maxRows)
        self.maxDelayMillis = max(0, maxDelayMillis)
        self.inseparable = inseparable
    }

    var pendingCount: Int { pending.count }

    /// Adds rows and returns every batch that is full or due.
    mutating func add(_ rows: [Row], covering consumed: OffsetRanges, nowMillis: Int64) -> [Batch] {
        covered.formUnion(consumed)
        if !rows.isEmpty, oldestPendingMillis == nil { oldestPendingMillis = nowMillis }
        pending += rows
        var batches: [Batch] = []
        while pending.count >= maxRows {
            var cut = maxRows
            while cut < pending.count, inseparable(pending[cut - 1], pending[cut]) { cut += 1 }
            batches.append(Batch(rows: Array(pending.prefix(cut)), covered: covered))
            pending.removeFirst(cut)
            oldestPendingMillis = pending.isEmpty ? nil : nowMillis
        }
        if let due = takeDue(nowMillis: nowMillis) { batches.append(due) }
        if pending.isEmpty, !batches.isEmpty { covered = OffsetRanges() }
        return batches
    }

    mutating func takeDue(nowMillis: Int64) -> Batch? {
        guard let oldest = oldestPendingMillis, nowMillis - oldest >= maxDelayMillis else { return nil }
        return takeAll()
    }

    mutating func takeAll() -> Batch? {
        guard !pending.isEmpty else { return nil }
        let batch = Batch(rows: pending, covered: covered)
        pending = []
        covered = OffsetRanges()
        oldestPendingMillis = nil
        return batch
    }
}
