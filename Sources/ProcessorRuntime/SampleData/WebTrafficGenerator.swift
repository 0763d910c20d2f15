import Foundation

/// nginx-style JSON access events of a web shop: recurring users with sessions, a skewed mix of pages,
/// status codes that depend on the page, and latencies with a long tail.
///
/// Event time advances by exponential gaps (`eventsPerSecond` on average). With `lateEvery` = N > 0,
/// every Nth record is delivered late: stamped `lateBy[k]` earlier than the clock (cycling through the
/// list), as a mobile client that buffered its beacons would.
///
/// ```json
/// {"ts":"2026-11-25T10:00:00.250Z","remote_addr":"81.2.69.142","user_id":"u042","session_id":"9f2c…",
///  "method":"GET","path":"/products/17","status":200,"bytes":5120,"latency_ms":48.12,
///  "referer":"https://shop.example.com/","user_agent":"Mozilla/5.0 …"}
/// ```
public struct WebTrafficGenerator: SampleLogGenerator {
    private struct Visitor {
        var address: String
        var agent: String
        var session: String = ""
        var lastSeenMillis: Int64?
    }

    private static let sessionTimeoutMillis: Int64 = 30 * 60_000
    private var random: SeededRandom
    private var clockMillis: Int64
    private let meanGapMillis: Double
    private let lateEvery: Int
    private let lateByMillis: [Int64]
    private var visitors: [Visitor]
    private var produced = 0

    public init(seed: UInt64, startMillis: Int64, eventsPerSecond: Double = 20, lateEvery: Int = 0, lateByMillis: [Int64] = []) {
        var random = SeededRandom(seed: seed)
        visitors = (0..<500).map { _ in
            Visitor(address: "\(random.pick([81, 94, 176, 203, 198, 73, 2]))." + "\(random.below(256)).\(random.below(256)).\(1 + random.below(254))",
                    agent: random.pick(Self.agents))
        }
        self.random = random
        self.clockMillis = startMillis
        self.meanGapMillis = 1000 / max(0.001, eventsPerSecond)
        self.lateEvery = lateByMillis.isEmpty ? 0 : max(0, lateEvery)
        self.lateByMillis = lateByMillis
    }

    public mutating func next() -> SampleRecord {
        let request = nextRequest()
        var line = JSONLine()
        line.add("ts", isoTime(request.timestampMillis))
        line.add("remote_addr", request.address)
        line.add("user_id", request.userID)
        line.add("session_id", request.sessionID)
        line.add("method", request.method)
        line.add("path", request.path)
        line.add("status", request.status)
        line.add("bytes", request.bytes)
        line.add("latency_ms", request.latencyMillis, decimals: 2)
        line.add("referer", request.referer)
        line.add("user_agent", request.userAgent)
        return SampleRecord(key: request.userID, value: line.line, timestampMillis: request.timestampMillis)
    }

    /// The next request itself, for callers that write it in another format (`WebRequest.accessLogLine`).
    public mutating func nextRequest() -> WebRequest {
        produced += 1
        clockMillis += Int64(random.exponential(mean: meanGapMillis).rounded())
        var timestamp = clockMillis
        if lateEvery > 0, produced % lateEvery == 0 {
            timestamp -= lateByMillis[(produced / lateEvery - 1) % lateByMillis.count]
        }
        // Quadratic skew: a few regulars make most of the traffic.
        let index = Int(Double(visitors.count) * random.unit() * random.unit())
        var visitor = visitors[index]
        if let lastSeen = visitor.lastSeenMillis, timestamp - lastSeen <= Self.sessionTimeoutMillis {
            visitor.lastSeenMillis = max(lastSeen, timestamp)
        } else {
            visitor.session = random.hex(16)
            visitor.lastSeenMillis = timestamp
        }
        visitors[index] = visitor

        let page = random.weighted(Self.pages)
        let path = page.path.replacingOccurrences(of: "{id}", with: String(1 + Int(200 * random.unit() * random.unit())))
            .replacingOccurrences(of: "{q}", with: random.pick(Self.searches))
        let status = random.weighted(page.statuses)
        let latency: Double = page.latencyMillis * (0.35 * random.normal()).exponential * (status >= 500 ? 6 : 1)
        let bytes: Int = status == 304 || status == 204 ? 0 : Int(Double(page.bytes) * (0.8 + 0.4 * random.unit()))
        let userID = "u" + String(1000 + index).dropFirst()
        return WebRequest(
            timestampMillis: timestamp, address: visitor.address, userID: userID, sessionID: visitor.session, method: page.method,
            path: path, status: status, bytes: bytes, latencyMillis: latency, referer: random.pick(Self.referers), userAgent: visitor.agent)
    }

    private struct Page {
        var method: String
        var path: String
        var latencyMillis: Double
        var bytes: Int
        var statuses: [(Int, Double)]
    }

    private static let pages: [(Page, Double)] = [
        (Page(method: "GET", path: "/", latencyMillis: 35, bytes: 18_000, statuses: [(200, 97), (301, 2), (500, 1)]), 14),
        (Page(method: "GET", path: "/products", latencyMillis: 60, bytes: 42_000, statuses: [(200, 98), (500, 1), (503, 1)]), 12),
        (Page(method: "GET", path: "/products/{id}", latencyMillis: 45, bytes: 26_000, statuses: [(200, 90), (404, 8), (500, 2)]), 30),
        (Page(method: "GET", path: "/search?q={q}", latencyMillis: 120, bytes: 31_000, statuses: [(200, 96), (500, 2), (504, 2)]), 10),
        (Page(method: "GET", path: "/static/app.js", latencyMillis: 4, bytes: 210_000, statuses: [(200, 40), (304, 60)]), 14),
        (Page(method: "POST", path: "/cart", latencyMillis: 80, bytes: 900, statuses: [(200, 95), (400, 3), (500, 2)]), 8),
        (Page(method: "POST", path: "/checkout", latencyMillis: 240, bytes: 1_400, statuses: [(200, 90), (402, 5), (500, 5)]), 3),
        (Page(method: "GET", path: "/account", latencyMillis: 55, bytes: 12_000, statuses: [(200, 88), (401, 12)]), 5),
        (Page(method: "GET", path: "/api/recommendations", latencyMillis: 150, bytes: 4_000, statuses: [(200, 97), (503, 3)]), 4),
    ]
    private static let searches = ["red+shoes", "usb+c+cable", "coffee+grinder", "garden+hose", "desk+lamp", "rain+jacket"]
    private static let referers = ["-", "https://shop.example.com/", "https://www.google.com/", "https://shop.example.com/cart",
                                   "https://t.co/shop"]
    static let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
    ]
}

extension Double {
    /// e^self, for log-normal draws.
    fileprivate var exponential: Double { Foundation.exp(self) }
}
