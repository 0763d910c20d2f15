import ProcessorRuntime

/// Realistic log lines of an exact byte size, for load tests: nginx access logs, JSON application
/// logs and logfmt service logs, with varied addresses, paths, statuses, latencies, user agents and
/// ids. Constant or random bytes would compress unrealistically well or badly; these compress like
/// real logs. Seeded, so runs are comparable.
struct LogLineGenerator {
    private var random: SeededRandom
    private var clockMilliseconds: Int64 = 1_795_000_000_000

    init(seed: UInt64 = 0x5eed) {
        random = SeededRandom(seed: seed)
    }

    /// `count` distinct lines of exactly `size` bytes each.
    mutating func lines(count: Int, size: Int) -> [[UInt8]] {
        (0..<count).map { _ in line(size: size) }
    }

    /// One line of exactly `size` bytes: a log line, extended with more fields or cut to fit.
    mutating func line(size: Int) -> [UInt8] {
        clockMilliseconds += Int64(random.below(40))
        var text: String
        switch random.below(10) {
        case 0..<5: text = nginxAccess()
        case 5..<8: text = jsonApplication()
        default: text = logfmtService()
        }
        while text.utf8.count < size { text += " " + extraField() }
        return Array(text.utf8.prefix(size))
    }

    private mutating func nginxAccess() -> String {
        let (method, path) = request()
        let status = random.pick([200, 200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 404, 429, 500, 502, 503])
        let bytes = status == 204 || status == 304 ? 0 : random.below(48_000) + 120
        let requestTime = Double(random.below(900) + 1) / 1000
        return "\(ipv4()) - - [\(httpDate())] \"\(method) \(path) HTTP/1.1\" \(status) \(bytes) \"\(referrer())\" \"\(userAgent())\" "
            + "rt=\(requestTime) uct=0.00\(random.below(9)) urt=\(requestTime)"
    }

    private mutating func jsonApplication() -> String {
        let level = random.pick(["info", "info", "info", "info", "debug", "warn", "error"])
        let service = random.pick(services)
        return "{\"ts\":\"\(isoTime())\",\"level\":\"\(level)\",\"service\":\"\(service)\",\"trace_id\":\"\(random.hex(32))\","
            + "\"span_id\":\"\(random.hex(16))\",\"msg\":\"\(random.pick(messages))\",\"order_id\":\(random.below(9_000_000) + 100_000),"
            + "\"duration_ms\":\(random.below(2_000))}"
    }

    private mutating func logfmtService() -> String {
        let level = random.pick(["info", "info", "info", "warn", "error", "debug"])
        return "time=\(isoTime()) level=\(level) svc=\(random.pick(services)) host=ip-10-0-\(random.below(8))-\(random.below(250)) "
            + "msg=\"\(random.pick(messages))\" req_id=\(random.hex(26)) user_id=\(random.below(500_000)) latency_ms=\(random.below(1_500))"
    }

    private mutating func extraField() -> String {
        switch random.below(6) {
        case 0: "region=\(random.pick(["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1"]))"
        case 1: "session=\(random.hex(16))"
        case 2: "cart_items=\(random.below(12))"
        case 3: "upstream=10.0.\(random.below(8)).\(random.below(250)):8080"
        case 4: "pod=\(random.pick(services))-\(random.hex(10))-\(random.hex(5))"
        default: "bytes_in=\(random.below(9_000))"
        }
    }

    private mutating func request() -> (String, String) {
        let method = random.pick(["GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"])
        let path =
            switch random.below(6) {
            case 0: "/api/v1/orders/\(random.below(900_000))"
            case 1: "/api/v1/products?category=\(random.pick(["shoes", "books", "garden", "toys"]))&page=\(random.below(40))"
            case 2: "/static/js/app.\(random.hex(8)).js"
            case 3: "/api/v2/users/\(random.below(500_000))/cart"
            case 4: "/healthz"
            default: "/search?q=\(random.pick(["red+shoes", "usb+c+cable", "coffee", "garden+hose", "desk+lamp"]))"
            }
        return (method, path)
    }

    private mutating func ipv4() -> String {
        "\(random.pick([10, 172, 192, 203, 198, 81, 94]))."
            + "\(random.below(256)).\(random.below(256)).\(random.below(255) + 1)"
    }

    private mutating func referrer() -> String {
        random.pick(["-", "https://shop.example.com/", "https://shop.example.com/cart", "https://www.google.com/", "https://shop.example.com/search"])
    }

    private mutating func userAgent() -> String {
        random.pick([
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
            "curl/8.4.0", "kube-probe/1.28", "Go-http-client/2.0",
        ])
    }

    private func httpDate() -> String {
        let seconds = clockMilliseconds / 1000
        return "25/Nov/2026:\(twoDigits(seconds / 3600 % 24)):\(twoDigits(seconds / 60 % 60)):\(twoDigits(seconds % 60)) +0000"
    }

    private func isoTime() -> String {
        let seconds = clockMilliseconds / 1000
        let millis = clockMilliseconds % 1000
        return "2026-11-25T\(twoDigits(seconds / 3600 % 24)):\(twoDigits(seconds / 60 % 60)):\(twoDigits(seconds % 60))."
            + String(millis + 1000).dropFirst() + "Z"
    }

    private func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : String(value)
    }



    private let services = ["checkout", "payments", "inventory", "search", "cart", "auth", "shipping", "recommendations"]
    private let messages = [
        "request completed", "payment authorized", "cache miss, loading from database", "stock below threshold",
        "retrying upstream call", "user session refreshed", "order shipped", "rate limit exceeded for client",
        "connection pool exhausted, waiting", "slow query detected",
    ]
}
