import Foundation
import KafkaClient

/// The cluster these tests run against: `LOGPORT_TEST_BOOTSTRAP` if set, else one `logport broker`
/// (this package's binary) started on first use on a free loopback port. The broker runs under
/// a shell that kills it and removes its data when the test process's pipe to it closes, so it never
/// outlives the tests.
enum Broker {
    static var bootstrap: String {
        get throws { try started.get().bootstrap }
    }

    static func config(_ properties: [String: String] = [:]) throws -> KafkaConfig {
        KafkaConfig(bootstrapServers: try bootstrap, properties)
    }

    /// A name no other test uses.
    static func unique(_ purpose: String) -> String {
        "console-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a topic and waits until every partition has a leader.
    static func createTopic(_ name: String, partitions: Int32, config: [String: String] = [:]) async throws -> KafkaAdmin {
        let admin = try KafkaAdmin(config: try Self.config())
        try await admin.createTopic(NewTopic(name: name, partitions: partitions, replicationFactor: 1, config: config))
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let topic = try? await admin.describeTopic(name), topic.partitions.count == Int(partitions), topic.partitions.allSatisfy({ $0.leader >= 0 }) {
                return admin
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SetupError("topic \(name) has no leaders after 10 s")
    }

    private static let started: Result<(bootstrap: String, lifeline: Pipe?), any Error> = Result {
        if let external = ProcessInfo.processInfo.environment["LOGPORT_TEST_BOOTSTRAP"], !external.isEmpty {
            return (external, nil)
        }
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/logport")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw SetupError("\(binary.path) is missing: run `swift build --product logport` before these tests")
        }
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("logport-console-tests-\(UUID().uuidString)")
        // The broker advertises the address it listens on, so it needs a real port up front, not 0.
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "\"$0\" broker --data-dir \"$1\" --listen 127.0.0.1:\"$2\" --log-level warning </dev/null & broker=$!; cat >/dev/null; kill $broker; wait $broker; rm -rf \"$1\"",
            binary.path, dataDirectory.path, String(port),
        ]
        let lifeline = Pipe()
        let output = Pipe()
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        var seen = ""
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if seen.contains("listening on 127.0.0.1:\(port)") { return ("127.0.0.1:\(port)", lifeline) }
        }
        try? lifeline.fileHandleForWriting.close()
        throw SetupError("logport broker did not start: \(seen)")
    }
}

/// A loopback port nobody listens on now: bound, read back, released.
private func freeLoopbackPort() throws -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
    defer { close(socketFD) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
    }
    guard bound else { throw SetupError("could not find a free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
