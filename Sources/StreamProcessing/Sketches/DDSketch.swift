import Foundation

/// A mergeable quantile sketch with a relative-error guarantee (DDSketch, Masson et al., VLDB 2019).
///
/// Guarantee: while no bins were collapsed, `quantile(q)` is within `relativeAccuracy` (relative error) of the
/// exact value at rank ⌊q·(n−1)⌋ of the sorted input. Merging two sketches with the same accuracy gives the
/// sketch of the combined input. Memory is bounded by `maxBinsPerSign`; past it the lowest-magnitude bins
/// are collapsed, which only loses accuracy for the smallest values.
public struct DDSketch: Codable, Sendable, Equatable {
    public let relativeAccuracy: Double
    public let maxBinsPerSign: Int
    private let gamma: Double
    private let logGamma: Double
    private var positiveBins: [Int32: UInt64] = [:]
    private var negativeBins: [Int32: UInt64] = [:]
    private var zeroCount: UInt64 = 0
    public private(set) var count: UInt64 = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    /// Values closer to zero than this are counted as zero: their bin index would overflow.
    private static let smallestIndexable = 1e-9

    public init(relativeAccuracy: Double = 0.01, maxBinsPerSign: Int = 2048) {
        let accuracy = min(max(relativeAccuracy, 1e-6), 0.5)
        self.relativeAccuracy = accuracy
        self.maxBinsPerSign = max(16, maxBinsPerSign)
        self.gamma = (1 + accuracy) / (1 - accuracy)
        self.logGamma = Foundation.log(gamma)
    }

    public var isEmpty: Bool { count == 0 }

    public mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        if value > Self.smallestIndexable {
            positiveBins[index(of: value), default: 0] += 1
            collapseIfNeeded(&positiveBins)
        } else if value < -Self.smallestIndexable {
            negativeBins[index(of: -value), default: 0] += 1
            collapseIfNeeded(&negativeBins)
        } else {
            zeroCount += 1
        }
        count += 1
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
    }

    /// Adds everything `other` has seen. Sketches of different accuracy cannot be merged exactly.
    public mutating func merge(_ other: DDSketch) throws {
        guard other.relativeAccuracy == relativeAccuracy else {
            throw SketchError.incompatibleMerge("DDSketch accuracy \(relativeAccuracy) vs \(other.relativeAccuracy)")
        }
        positiveBins.merge(other.positiveBins, uniquingKeysWith: +)
        negativeBins.merge(other.negativeBins, uniquingKeysWith: +)
        collapseIfNeeded(&positiveBins)
        collapseIfNeeded(&negativeBins)
        zeroCount += other.zeroCount
        count += other.count
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The value at quantile `q` (0...1), or nil for an empty sketch.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0, q >= 0, q <= 1 else { return nil }
        if q == 0 { return minimum }
        if q == 1 { return maximum }
        let rank = UInt64((q * Double(count - 1)).rounded(.down))
        var seen: UInt64 = 0
        // Most negative first: larger magnitude on the negative side is smaller.
        for index in negativeBins.keys.sorted(by: >) {
            seen += negativeBins[index] ?? 0
            if seen > rank { return clamp(-value(of: index)) }
        }
        seen += zeroCount
        if seen > rank { return 0 }
        for index in positiveBins.keys.sorted() {
            seen += positiveBins[index] ?? 0
            if seen > rank { return clamp(value(of: index)) }
        }
        return maximum
    }

    private func clamp(_ estimate: Double) -> Double {
        Swift.min(Swift.max(estimate, minimum), maximum)
    }

    private func index(of magnitude: Double) -> Int32 {
        Int32((Foundation.log(magnitude) / logGamma).rounded(.up))
    }

    /// The representative of a bin: the point whose relative distance to both bin edges is `relativeAccuracy`.
    private func value(of index: Int32) -> Double {
        2 * Foundation.pow(gamma, Double(index)) / (gamma + 1)
    }

    private func collapseIfNeeded(_ bins: inout [Int32: UInt64]) {
        guard bins.count > maxBinsPerSign else { return }
        let sorted = bins.keys.sorted()
        let excess = bins.count - maxBinsPerSign
        let target = sorted[excess]
        for index in sorted[..<excess] {
            bins[target, default: 0] += bins.removeValue(forKey: index) ?? 0
        }
    }
}

public enum SketchError: Error, Equatable, CustomStringConvertible {
    case incompatibleMerge(String)

    public var description: String {
        switch self {
        case .incompatibleMerge(let detail): return "cannot merge sketches: \(detail)"
        }
    }
}
