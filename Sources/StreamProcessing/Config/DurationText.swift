/// Durations as pipelines and commands write them: `250ms`, `10s`, `5m`, `2h`, `1d`. A unit is required,
/// so `5` cannot mean 5 ms to one reader and 5 s to another.
public enum DurationText {
    private static let units: [(suffix: String, millis: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]

    /// The duration in milliseconds; nil for text without a unit, a negative amount, or an overflow.
    public static func millis(_ text: String) -> Int64? {
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let amount = Int64(text.dropLast(unit.suffix.count)), amount >= 0 else { continue }
            let (millis, overflow) = amount.multipliedReportingOverflow(by: unit.millis)
            return overflow ? nil : millis
        }
        return nil
    }
}
