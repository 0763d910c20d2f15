/// The running state of one aggregate column inside one window.
enum Accumulator: Codable, Sendable, Equatable {
    case count(UInt64)
    case sum(Double)
    case minimum(Double?)
    case maximum(Double?)
    case average(sum: Double, count: UInt64)
    case quantile(DDSketch, quantile: Double)
    case distinct(HyperLogLog)
    case ranking(SpaceSaving, n: Int)

    init(_ function: AggregateFunction) {
        switch function {
        case .count: self = .count(0)
        case .sum: self = .sum(0)
        case .min: self = .minimum(nil)
        case .max: self = .maximum(nil)
        case .average: self = .average(sum: 0, count: 0)
        case .percentile(_, let quantile, let accuracy): self = .quantile(DDSketch(relativeAccuracy: accuracy), quantile: quantile)
        case .distinctCount(_, let precision): self = .distinct(HyperLogLog(precision: precision))
        case .topN(_, let n, let capacity): self = .ranking(SpaceSaving(capacity: capacity), n: n)
        }
    }

    mutating func add(_ event: Event, for function: AggregateFunction) {
        switch function {
        case .count:
            if case .count(let count) = self { self = .count(count + 1) }
        case .sum(let field):
            if case .sum(let sum) = self, let value = event[field]?.numericValue { self = .sum(sum + value) }
        case .min(let field):
            if case .minimum(let current) = self, let value = event[field]?.numericValue {
                self = .minimum(Swift.min(current ?? value, value))
            }
        case .max(let field):
            if case .maximum(let current) = self, let value = event[field]?.numericValue {
                self = .maximum(Swift.max(current ?? value, value))
            }
        case .average(let field):
            if case .average(let sum, let count) = self, let value = event[field]?.numericValue {
                self = .average(sum: sum + value, count: count + 1)
            }
        case .percentile(let field, _, _):
            guard case .quantile(var sketch, let quantile) = self, let value = event[field]?.numericValue else { return }
            self = .count(0)  // drops self's reference so the sketch is mutated in place, not copied
            sketch.add(value)
            self = .quantile(sketch, quantile: quantile)
        case .distinctCount(let field, _):
            guard case .distinct(var sketch) = self, let value = event[field], value != .null else { return }
            self = .count(0)
            sketch.add(value.description)
            self = .distinct(sketch)
        case .topN(let field, _, _):
            guard case .ranking(var counter, let n) = self, let value = event[field], value != .null else { return }
            self = .count(0)
            counter.add(value.description)
            self = .ranking(counter, n: n)
        }
    }

    /// Adds what `other` accumulated for the same column: the result is what one accumulator fed both
    /// inputs would hold, exactly for count, sum, min, max, average, distinct (HyperLogLog registers) and
    /// percentile (DDSketch bins), and for top-N while both inputs together hold at most `capacity` items.
    mutating func merge(_ other: Accumulator) {
        switch (self, other) {
        case (.count(let count), .count(let more)): self = .count(count + more)
        case (.sum(let sum), .sum(let more)): self = .sum(sum + more)
        case (.minimum(let current), .minimum(let more)): self = .minimum(Self.combine(current, more, Swift.min))
        case (.maximum(let current), .maximum(let more)): self = .maximum(Self.combine(current, more, Swift.max))
        case (.average(let sum, let count), .average(let moreSum, let moreCount)): self = .average(sum: sum + moreSum, count: count + moreCount)
        case (.quantile(var sketch, let quantile), .quantile(let more, _)):
            self = .count(0)
            // Both sketches come from one column's spec, so their accuracies match and the merge cannot fail.
            try? sketch.merge(more)
            self = .quantile(sketch, quantile: quantile)
        case (.distinct(var sketch), .distinct(let more)):
            self = .count(0)
            try? sketch.merge(more)
            self = .distinct(sketch)
        case (.ranking(var counter, let n), .ranking(let more, _)):
            self = .count(0)
            counter.merge(more)
            self = .ranking(counter, n: n)
        default:
            break  // accumulators of different columns: partials of one aggregation always line up
        }
    }

    private static func combine(_ lhs: Double?, _ rhs: Double?, _ pick: (Double, Double) -> Double) -> Double? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return pick(lhs, rhs)
    }

    var value: AggregateValue {
        switch self {
        case .count(let count): return .number(Double(count))
        case .sum(let sum): return .number(sum)
        case .minimum(let value), .maximum(let value): return .number(value)
        case .average(let sum, let count): return .number(count == 0 ? nil : sum / Double(count))
        case .quantile(let sketch, let quantile): return .number(sketch.quantile(quantile))
        case .distinct(let sketch): return .number(sketch.estimate.rounded())
        case .ranking(let counter, let n): return .ranking(counter.top(n))
        }
    }
}
