import Foundation

/// One run of the built `logport` binary.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    let duration: Duration

    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs `logport` with `arguments`, feeding `input` to stdin, and waits (without blocking a thread)
/// for it to exit; kills it after `limit`. Output goes through files so a chatty child never stalls
/// on a full pipe.
func runLogport(_ arguments: [String], input: String? = nil, limit: Duration = .seconds(60)) async throws -> CommandResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("logport-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = ["stdin", "stdout", "stderr"].map { directory.appendingPathComponent($0) }
    try Data((input ?? "").utf8).write(to: paths[0])
    _ = FileManager.default.createFile(atPath: paths[1].path, contents: nil)
    _ = FileManager.default.createFile(atPath: paths[2].path, contents: nil)

    let process = Process()
    process.executableURL = try BuildProducts.logport
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: paths[0])
    process.standardOutput = try FileHandle(forWritingTo: paths[1])
    process.standardError = try FileHandle(forWritingTo: paths[2])
    let start = ContinuousClock.now
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        let seconds = Double(limit.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
    }
    return CommandResult(
        status: status,
        stdout: String(decoding: try Data(contentsOf: paths[1]), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: paths[2]), as: UTF8.self),
        duration: ContinuousClock.now - start)
}
