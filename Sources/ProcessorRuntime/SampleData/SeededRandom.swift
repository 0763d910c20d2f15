import Foundation

/// Steele, Lea and Flood's SplitMix64 with the draws sample data needs; the same seed gives the same
/// sequence on every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// Uniform in 0..<bound.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(max(1, bound)))
    }

    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    public mutating func pick<Element>(_ choices: [Element]) -> Element {
        choices[below(choices.count)]
    }

    /// One of `choices`, each as likely as its weight.
    public mutating func weighted<Element>(_ choices: [(Element, Double)]) -> Element {
        var remaining = unit() * choices.reduce(0) { $0 + $1.1 }
        for (choice, weight) in choices {
            remaining -= weight
            if remaining < 0 { return choice }
        }
        return choices[choices.count - 1].0
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let radius = (-2 * Foundation.log(1 - unit())).squareRoot()
        return radius * Foundation.cos(2 * Double.pi * unit())
    }

    /// Exponential with the given mean: gaps between independent arrivals.
    public mutating func exponential(mean: Double) -> Double {
        -Foundation.log(1 - unit()) * mean
    }

    public mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        return String((0..<digits).map { _ in alphabet[below(16)] })
    }
}
