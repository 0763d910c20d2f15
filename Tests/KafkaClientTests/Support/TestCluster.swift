import Foundation
import KafkaClient
import KafkaTestSupport

/// The cluster the tests run against: the one `LOGPORT_TEST_BOOTSTRAP` names, or else one
/// `logport broker` (the binary this package builds) that the test process starts on first use.
/// The broker runs under a small shell wrapper that kills it when the test process's pipe to it
/// closes, so it never outlives the tests, however they end.
enum TestCluster {
    static var bootstrap: String {
        get throws { try started.get().bootstrap }
    }

    /// Whether the cluster serves consumer groups (FindCoordinator, DescribeGroups, …), asked once.
    /// librdkafka answers a group request to a broker without them with _UNSUPPORTED_FEATURE, or
    /// times out looking for a coordinator.
    static func supportsConsumerGroups() async -> Bool {
        await groupSupport.value
    }

    private static let groupSupport = Task<Bool, Never> {
        guard let bootstrap = try? bootstrap, let admin = try? KafkaAdmin(config: KafkaConfig(bootstrapServers: bootstrap)) else { return false }
        do {
            _ = try await admin.describeConsumerGroups(["logport-test-probe"], timeout: .seconds(5))
            return true
        } catch {
            return false
        }
    }

    /// A topic name no other test uses.
    static func uniqueTopic(_ purpose: String) -> String {
        "test-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func config(_ properties: [String: String] = [:]) throws -> KafkaConfig {
        KafkaConfig(bootstrapServers: try bootstrap, properties)
    }

    private static let started: Result<RunningCluster, any Error> = Result(catching: {
        if let external = ProcessInfo.processInfo.environment["LOGPORT_TEST_BOOTSTRAP"], !external.isEmpty {
            return RunningCluster(bootstrap: external, lifeline: nil)
        }
        var lastError: (any Error)?
        for _ in 0..<3 {
            do {
                return try BrokerProcess.start()
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSetupError("could not start a broker")
    })
}

private struct RunningCluster: Sendable {
    let bootstrap: String
    /// Our end of the started broker's stdin; closing it (or exiting) stops the broker.
    let lifeline: Pipe?
}

/// Paths of this package's build products.
enum BuildProducts {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var logport: URL {
        get throws {
            let binary = packageRoot.appendingPathComponent(".build/debug/logport")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                throw TestSetupError("\(binary.path) is missing: run `swift build --product logport` before these tests")
            }
            return binary
        }
    }
}

private enum BrokerProcess {
    static func start() throws -> RunningCluster {
        let port = try freeTCPPort()
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("logport-client-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The broker gets /dev/null as stdin; `cat` waits for the test process's pipe to close.
        process.arguments = [
            "-c", "\"$0\" broker --data-dir \"$1\" --listen 127.0.0.1:\"$2\" --log-level warning </dev/null & broker=$!; cat >/dev/null; kill $broker; wait $broker; rm -rf \"$1\"",
            try BuildProducts.logport.path, dataDirectory.path, String(port),
        ]
        let lifeline = Pipe()
        let output = Pipe()
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let ready = Date(timeIntervalSinceNow: 20)
        var seen = Data()
        while Date() < ready {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
            if String(decoding: seen, as: UTF8.self).contains("listening on") { return RunningCluster(bootstrap: "127.0.0.1:\(port)", lifeline: lifeline) }
        }
        try? lifeline.fileHandleForWriting.close()
        throw TestSetupError("logport broker did not start on port \(port): \(String(decoding: seen, as: UTF8.self))")
    }

    private static func freeTCPPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw TestSetupError("socket() failed: \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(socketFD, socketAddress, length) == 0 && getsockname(socketFD, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("could not find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
