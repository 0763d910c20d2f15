import Foundation
import Logging
import ProcessorRuntime
import ServiceLifecycle

/// `logport up --demo`'s sample web service: writes nginx access log lines (combined format plus the request
/// time) to a real file, 20–120 a second following a one-minute wave, with an error burst (a third of
/// requests answered 503, slowly) every `burstEvery` windows so the anomaly detector has something to find.
///
/// Guarantees: every line is written whole, with its newline, by one `write` call; at `rotateBytes` the file
/// is renamed to `NAME.1` (replacing an older one) and a new file started, as logrotate does; on graceful
/// shutdown it stops writing first and returns `settleMillis` later, so the agent (polling every 100 ms) has
/// read the last lines before it is asked to drain. Lines it had still not read are shipped after the next
/// start, from its checkpoint.
struct DemoAccessLog: Service {
    let path: String
    let windowMillis: Int64
    let logger: Logger
    var rotateBytes: UInt64 = 16 << 20
    var burstEvery: Int64 = 10
    var settleMillis: Int64 = 1000

    func run() async throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? await cancelWhenGracefulShutdown { try await writeLines() }
        try? await Task.sleep(for: .milliseconds(settleMillis))
    }

    /// Appends lines every 100 ms until cancelled; file writes are small appends to a local file.
    private func writeLines() async throws {
        var file = try open()
        defer { try? file.close() }
        let started = Date()
        let seed = UInt64(started.timeIntervalSince1970 * 1000)
        var requests = WebTrafficGenerator(seed: seed, startMillis: Int64(started.timeIntervalSince1970 * 1000))
        var random = SeededRandom(seed: seed ^ 0x9e37_79b9_7f4a_7c15)
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let burst = (now / windowMillis) % burstEvery == burstEvery - 1
            let phase = Date().timeIntervalSince(started) / 60 * 2 * .pi
            var text = ""
            for _ in 0..<Int(7 + 5 * sin(phase)) {  // ticks of 100 ms
                var request = requests.nextRequest()
                request.timestampMillis = now
                if burst, random.chance(1.0 / 3) {
                    request.status = 503
                    request.latencyMillis *= 6
                }
                text += request.accessLogLine() + "\n"
            }
            try file.write(contentsOf: Data(text.utf8))
            if try file.offset() >= rotateBytes {
                try file.close()
                try rotate()
                file = try open()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func open() throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path), !FileManager.default.createFile(atPath: path, contents: nil) {
            throw UpError("cannot create the demo access log \(path); check the permissions of --data-dir")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw UpError("cannot open the demo access log \(path) for writing; check the permissions of --data-dir")
        }
        try handle.seekToEnd()
        return handle
    }

    private func rotate() throws {
        let rotated = path + ".1"
        try? FileManager.default.removeItem(atPath: rotated)
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        logger.info("demo access log rotated", metadata: ["file": "\(path)", "rotated": "\(rotated)"])
    }
}
