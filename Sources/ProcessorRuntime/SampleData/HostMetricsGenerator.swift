import Foundation

/// Host metric lines in logfmt, one per host every `intervalMillis`: CPU and memory use, request latency,
/// error rate and request count, each around a per-host baseline with a daily cycle and noise.
///
/// An `Anomaly` makes one host misbehave for a while: latency several times its baseline, errors up by
/// 20 percentage points, CPU up by 35 — the kind of incident a detector should flag once and clear after.
///
/// ```
/// ts=2026-11-25T10:00:00.037Z host=api-01 role=api cpu_pct=41.23 mem_pct=63.10 latency_ms=61.80 error_rate=0.0042 requests=812
/// ```
public struct HostMetricsGenerator: SampleLogGenerator {
    public struct Anomaly: Hashable, Sendable {
        public var host: String
        public var startMillis: Int64
        public var durationMillis: Int64

        public init(host: String, startMillis: Int64, durationMillis: Int64) {
            self.host = host
            self.startMillis = startMillis
            self.durationMillis = durationMillis
        }

        func covers(_ host: String, atMillis time: Int64) -> Bool {
            host == self.host && time >= startMillis && time < startMillis + durationMillis
        }
    }

    private struct Host {
        var name: String
        var role: String
        var cpu: Double
        var memory: Double
        var latencyMillis: Double
        var errorRate: Double
        var requests: Double
    }

    private static let dayMillis = 86_400_000.0
    private var random: SeededRandom
    private let hosts: [Host]
    private let intervalMillis: Int64
    private let anomaly: Anomaly?
    private var tickMillis: Int64
    private var nextHost = 0

    /// Host names for `count` hosts: roles in turn, numbered per role (`web-01`, `api-01`, `db-01`, `cache-01`, `web-02`, …).
    public static func hostNames(count: Int) -> [String] {
        (0..<max(1, count)).map { index in
            let role = roles[index % roles.count]
            return "\(role.name)-" + String(101 + index / roles.count).dropFirst()
        }
    }

    public init(seed: UInt64, startMillis: Int64, hostCount: Int = 8, intervalMillis: Int64 = 10_000, anomaly: Anomaly? = nil) {
        var random = SeededRandom(seed: seed)
        hosts = Self.hostNames(count: hostCount).enumerated().map { index, name in
            let role = Self.roles[index % Self.roles.count]
            return Host(name: name, role: role.name, cpu: 20 + 30 * random.unit(), memory: 40 + 30 * random.unit(),
                        latencyMillis: role.latencyMillis * (0.8 + 0.4 * random.unit()), errorRate: 0.002 + 0.008 * random.unit(),
                        requests: 300 + 900 * random.unit())
        }
        self.random = random
        self.tickMillis = startMillis
        self.intervalMillis = max(1, intervalMillis)
        self.anomaly = anomaly
    }

    public mutating func next() -> SampleRecord {
        let host = hosts[nextHost]
        // Hosts report a few milliseconds apart within a tick, as separate agents would.
        let time = tickMillis + Int64(nextHost) * 37
        nextHost += 1
        if nextHost == hosts.count {
            nextHost = 0
            tickMillis += intervalMillis
        }
        let daily = Foundation.sin(2 * Double.pi * Double(time) / Self.dayMillis)
        var cpu = host.cpu * (1 + 0.3 * daily) + 3 * random.normal()
        let memory = host.memory + 2 * random.normal()
        var latency = host.latencyMillis * (1 + 0.08 * random.normal())
        var errorRate = host.errorRate * (1 + 0.3 * random.normal())
        let requests = host.requests * (1 + 0.3 * daily) * (1 + 0.05 * random.normal())
        if anomaly?.covers(host.name, atMillis: time) == true {
            latency *= 6
            errorRate += 0.2
            cpu += 35
        }
        var line = "ts=\(isoTime(time)) host=\(host.name) role=\(host.role)"
        line += " cpu_pct=\(fixed(min(100, max(0, cpu)), decimals: 2)) mem_pct=\(fixed(min(100, max(0, memory)), decimals: 2))"
        line += " latency_ms=\(fixed(max(0.1, latency), decimals: 2)) error_rate=\(fixed(min(1, max(0, errorRate)), decimals: 4))"
        line += " requests=\(Int(max(0, requests).rounded()))"
        return SampleRecord(key: host.name, value: line, timestampMillis: time)
    }

    private static let roles: [(name: String, latencyMillis: Double)] = [("web", 35), ("api", 60), ("db", 8), ("cache", 1.5)]
}
