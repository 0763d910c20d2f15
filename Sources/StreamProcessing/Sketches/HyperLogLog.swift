import Foundation

/// A mergeable distinct-count sketch (HyperLogLog with Ertl's improved estimator, arXiv:1702.01284).
///
/// Guarantee: the standard error of `estimate` is about 1.04/√(2^precision) over the whole range, from a
/// handful of items to billions, without bias-correction tables. Merging gives the sketch of the union.
/// Items hash with `StableHash`, so a sketch restored from a checkpoint keeps counting consistently.
public struct HyperLogLog: Codable, Sendable, Equatable {
    public let precision: Int
    private var registers: [UInt8]

    public init(precision: Int = 12) {
        self.precision = min(max(precision, 4), 18)
        self.registers = [UInt8](repeating: 0, count: 1 << self.precision)
    }

    public mutating func add(_ item: String) {
        addHash(StableHash.hash64(item))
    }

    mutating func addHash(_ hash: UInt64) {
        let index = Int(hash >> UInt64(64 - precision))
        let remaining = hash << UInt64(precision)
        let maxRank = 64 - precision + 1
        let rank = min(remaining.leadingZeroBitCount + 1, maxRank)
        if UInt8(rank) > registers[index] { registers[index] = UInt8(rank) }
    }

    public mutating func merge(_ other: HyperLogLog) throws {
        guard other.precision == precision else {
            throw SketchError.incompatibleMerge("HyperLogLog precision \(precision) vs \(other.precision)")
        }
        for index in registers.indices where other.registers[index] > registers[index] {
            registers[index] = other.registers[index]
        }
    }

    public var estimate: Double {
        let registerCount = Double(registers.count)
        let q = 64 - precision
        var histogram = [Int](repeating: 0, count: q + 2)
        for register in registers { histogram[Int(register)] += 1 }
        var z = registerCount * Self.tau(1 - Double(histogram[q + 1]) / registerCount)
        for k in stride(from: q, through: 1, by: -1) {
            z = 0.5 * (z + Double(histogram[k]))
        }
        z += registerCount * Self.sigma(Double(histogram[0]) / registerCount)
        let alphaInfinity = 1 / (2 * Foundation.log(2.0))
        return alphaInfinity * registerCount * registerCount / z
    }

    private static func sigma(_ x: Double) -> Double {
        if x == 1 { return .infinity }
        var x = x
        var y = 1.0
        var z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    private static func tau(_ x: Double) -> Double {
        if x == 0 || x == 1 { return 0 }
        var x = x
        var y = 1.0
        var z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }

    // Registers as base64: a JSON array of 4096 numbers would dominate checkpoint size. A sketch of few
    // items (most windows of a group-by) keeps only its non-zero registers, as (index: UInt32 big-endian,
    // value) pairs, so thousands of open windows still checkpoint in kilobytes.
    private enum CodingKeys: String, CodingKey { case precision, registers, sparse }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let precision = try container.decode(Int.self, forKey: .precision)
        guard (4...18).contains(precision) else {
            throw DecodingError.dataCorruptedError(forKey: .precision, in: container, debugDescription: "HyperLogLog precision \(precision) is not in 4...18")
        }
        self.precision = precision
        if let sparse = try container.decodeIfPresent(Data.self, forKey: .sparse) {
            registers = [UInt8](repeating: 0, count: 1 << precision)
            let bytes = [UInt8](sparse)
            guard bytes.count % 5 == 0 else {
                throw DecodingError.dataCorruptedError(forKey: .sparse, in: container, debugDescription: "sparse HyperLogLog registers are not 5-byte pairs")
            }
            for start in stride(from: 0, to: bytes.count, by: 5) {
                let index = bytes[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
                guard index < registers.count else {
                    throw DecodingError.dataCorruptedError(forKey: .sparse, in: container, debugDescription: "sparse HyperLogLog register \(index) is out of range")
                }
                registers[index] = bytes[start + 4]
            }
            return
        }
        let registers = try container.decode(Data.self, forKey: .registers)
        guard registers.count == 1 << precision else {
            throw DecodingError.dataCorruptedError(
                forKey: .registers, in: container,
                debugDescription: "HyperLogLog with precision \(precision) needs \(1 << precision) registers, found \(registers.count)")
        }
        self.registers = [UInt8](registers)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(precision, forKey: .precision)
        let used = registers.indices.filter { registers[$0] != 0 }
        if used.count * 5 < registers.count {
            var sparse: [UInt8] = []
            sparse.reserveCapacity(used.count * 5)
            for index in used {
                sparse += [UInt8(truncatingIfNeeded: index >> 24), UInt8(truncatingIfNeeded: index >> 16),
                           UInt8(truncatingIfNeeded: index >> 8), UInt8(truncatingIfNeeded: index), registers[index]]
            }
            try container.encode(Data(sparse), forKey: .sparse)
        } else {
            try container.encode(Data(registers), forKey: .registers)
        }
    }
}
