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

extension DDSketch {
    // Bins as bytes (index: Int32 big-endian, count: UInt64 big-endian, ascending index): window shares
    // carry sketches to the merge, and a JSON array of numbers costs far more to write and read.
    private enum CodingKeys: String, CodingKey {
        case relativeAccuracy, maxBinsPerSign, positive, negative, zeroCount, count, minimum, maximum
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(relativeAccuracy: try container.decode(Double.self, forKey: .relativeAccuracy),
                  maxBinsPerSign: try container.decode(Int.self, forKey: .maxBinsPerSign))
        positiveBins = try Self.bins(container.decode(Data.self, forKey: .positive), key: .positive, in: container)
        negativeBins = try Self.bins(container.decode(Data.self, forKey: .negative), key: .negative, in: container)
        zeroCount = try container.decode(UInt64.self, forKey: .zeroCount)
        count = try container.decode(UInt64.self, forKey: .count)
        minimum = try container.decode(Double.self, forKey: .minimum)
        maximum = try container.decode(Double.self, forKey: .maximum)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(relativeAccuracy, forKey: .relativeAccuracy)
        try container.encode(maxBinsPerSign, forKey: .maxBinsPerSign)
        try container.encode(Self.bytes(positiveBins), forKey: .positive)
        try container.encode(Self.bytes(negativeBins), forKey: .negative)
        try container.encode(zeroCount, forKey: .zeroCount)
        try container.encode(count, forKey: .count)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(maximum, forKey: .maximum)
    }

    private static func bytes(_ bins: [Int32: UInt64]) -> Data {
        var data = Data(capacity: bins.count * 12)
        for (index, count) in bins.sorted(by: { $0.key < $1.key }) {
            withUnsafeBytes(of: index.bigEndian) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: count.bigEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    private static func bins(_ data: Data, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws -> [Int32: UInt64] {
        let bytes = [UInt8](data)
        guard bytes.count % 12 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "DDSketch bins are not 12-byte (index, count) pairs")
        }
        var bins: [Int32: UInt64] = [:]
        bins.reserveCapacity(bytes.count / 12)
        for start in stride(from: 0, to: bytes.count, by: 12) {
            let index = bytes[start..<start + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let count = bytes[start + 4..<start + 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            bins[Int32(bitPattern: index)] = count
        }
        return bins
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
