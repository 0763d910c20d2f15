import Foundation
import Testing

@testable import LogportCLI

@Suite struct StartupPagesTests {
    /// Resident kilobytes of this process's own executable mappings, from /proc/self/smaps.
    private func residentExecutableKilobytes() throws -> Int {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var total = 0
        var inExecutable = false
        for line in try String(contentsOfFile: "/proc/self/smaps", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), fields.count >= 5 {
                inExecutable = fields.count >= 6 && fields[5...].joined(separator: " ") == executable
            } else if inExecutable, fields.first == "Rss:", fields.count >= 2 {
                total += Int(fields[1]) ?? 0
            }
        }
        return total
    }

    #if os(Linux)
    @Test func releasesTheExecutablesReadOnlyPagesAndTheCodeStillRuns() throws {
        let before = try residentExecutableKilobytes()
        let released = StartupPages.release()
        let after = try residentExecutableKilobytes()
        #expect(released > 0, "found no read-only mapping of /proc/self/exe to release")
        #expect(after < before, "resident pages of the executable: \(before) KiB before, \(after) KiB after")
        // Code and constant data fault back in from the file; relocated data was left alone.
        let words = ["agent", "broker", "process"].map { $0.uppercased() }
        #expect(words == ["AGENT", "BROKER", "PROCESS"])
        #expect(String(describing: StartupPagesTests.self) == "StartupPagesTests")
    }
    #endif
}
