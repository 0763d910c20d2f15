/// The shape of event-time windows: tumbling when `advanceMillis == sizeMillis`, hopping (sliding) when smaller.
///
/// Windows are aligned to the Unix epoch: window starts are the multiples of `advanceMillis`, so every
/// instance of a pipeline cuts the same windows from the same events.
public struct WindowSpec: Hashable, Codable, Sendable {
    public let sizeMillis: Int64
    public let advanceMillis: Int64

    public static func tumbling(sizeMillis: Int64) throws -> WindowSpec {
        try WindowSpec(sizeMillis: sizeMillis, advanceMillis: sizeMillis)
    }

    public static func hopping(sizeMillis: Int64, advanceMillis: Int64) throws -> WindowSpec {
        try WindowSpec(sizeMillis: sizeMillis, advanceMillis: advanceMillis)
    }

    private init(sizeMillis: Int64, advanceMillis: Int64) throws {
        guard sizeMillis > 0, advanceMillis > 0 else {
            throw WindowSpecError.nonPositive(sizeMillis: sizeMillis, advanceMillis: advanceMillis)
        }
        guard advanceMillis <= sizeMillis else {
            throw WindowSpecError.advanceLargerThanSize(sizeMillis: sizeMillis, advanceMillis: advanceMillis)
        }
        self.sizeMillis = sizeMillis
        self.advanceMillis = advanceMillis
    }

    /// Starts of every window that contains `timeMillis`, earliest first.
    public func windowStarts(containing timeMillis: Int64) -> [Int64] {
        let latestStart = Self.floor(timeMillis, to: advanceMillis)
        var starts: [Int64] = []
        var start = latestStart
        while start > timeMillis - sizeMillis {
            starts.append(start)
            start -= advanceMillis
        }
        return starts.reversed()
    }

    /// The end of the latest window that ends at or before `timeMillis`.
    public func latestWindowEnd(atOrBefore timeMillis: Int64) -> Int64 {
        Self.floor(timeMillis - sizeMillis, to: advanceMillis) + sizeMillis
    }

    /// Rounds toward negative infinity, so negative event times land in the right window too.
    static func floor(_ value: Int64, to step: Int64) -> Int64 {
        let remainder = value % step
        return remainder < 0 ? value - remainder - step : value - remainder
    }
}

public enum WindowSpecError: Error, Equatable, CustomStringConvertible {
    case nonPositive(sizeMillis: Int64, advanceMillis: Int64)
    case advanceLargerThanSize(sizeMillis: Int64, advanceMillis: Int64)

    public var description: String {
        switch self {
        case .nonPositive(let size, let advance):
            return "window size (\(size) ms) and advance (\(advance) ms) must be positive"
        case .advanceLargerThanSize(let size, let advance):
            return "window advance (\(advance) ms) must not exceed the window size (\(size) ms): events would fall between windows"
        }
    }
}
