import Dispatch
import Histogram
import NIOConcurrencyHelpers

/// Collects latencies from any thread into an HdrHistogram (microsecond resolution, up to 10 minutes).
final class LatencyRecorder: Sendable {
    private let histogram = NIOLockedValueBox(Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))

    /// A monotonic timestamp in nanoseconds, comparable across threads of this process.
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func record(since start: UInt64) {
        let micros = (Self.now &- start) / 1000
        histogram.withLockedValue { _ = $0.record(Swift.min(micros, 600_000_000)) }
    }

    var summary: LatencySummary {
        histogram.withLockedValue { histogram in
            LatencySummary(
                count: histogram.totalCount, averageMs: histogram.mean / 1000,
                p50Ms: Double(histogram.valueAtPercentile(50)) / 1000, p99Ms: Double(histogram.valueAtPercentile(99)) / 1000,
                p999Ms: Double(histogram.valueAtPercentile(99.9)) / 1000, maxMs: Double(histogram.max) / 1000)
        }
    }
}

/// Latency percentiles in milliseconds.
struct LatencySummary: Encodable {
    let count: UInt64
    let averageMs: Double
    let p50Ms: Double
    let p99Ms: Double
    let p999Ms: Double
    let maxMs: Double

    var text: String {
        "latency ms: avg \(decimalText(averageMs)), p50 \(decimalText(p50Ms)), p99 \(decimalText(p99Ms)), p99.9 \(decimalText(p999Ms)), max \(decimalText(maxMs))"
    }
}

/// `value` rounded to `digits` decimals (at most 3), as plain text for reports.
func decimalText(_ value: Double, digits: Int = 2) -> String {
    let scale = Double([1, 10, 100, 1000][min(digits, 3)])
    return String((value * scale).rounded() / scale)
}
