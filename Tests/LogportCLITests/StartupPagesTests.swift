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

    @Test func onlyTheExecutablesUnmodifiedReadOnlyMappingsAreReleasable() {
        let smaps = """
            55d0a0000000-55d0a0100000 r--p 00000000 fe:00 42    /opt/logport/bin/logport
            Rss:                1024 kB
            Anonymous:             0 kB
            55d0a0100000-55d0a0900000 r-xp 00100000 fe:00 42    /opt/logport/bin/logport
            Rss:                6000 kB
            Anonymous:             0 kB
            55d0a0900000-55d0a0a00000 r--p 00900000 fe:00 42    /opt/logport/bin/logport
            Rss:                1024 kB
            Anonymous:          1024 kB
            55d0a0a00000-55d0a0b00000 rw-p 00a00000 fe:00 42    /opt/logport/bin/logport
            Rss:                 512 kB
            Anonymous:           100 kB
            7f0000000000-7f0000100000 r-xp 00000000 fe:00 77    /usr/lib/x86_64-linux-gnu/librdkafka.so.1
            Anonymous:             0 kB
            7f0000200000-7f0000300000 rw-p 00000000 00:00 0
            Anonymous:           512 kB
            """
        #expect(StartupPages.releasableRanges(smaps: smaps, executable: "/opt/logport/bin/logport")
            == [0x55d0_a000_0000..<0x55d0_a010_0000, 0x55d0_a010_0000..<0x55d0_a090_0000])
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
