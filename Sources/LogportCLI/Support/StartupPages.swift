import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Gives back the pages of the `logport` binary that only start-up used (argument parsing, YAML,
/// runtime set-up, other roles' code the kernel mapped around it), so a long-running agent's
/// resident memory is the code it runs, not the code it ran once.
///
/// The kernel maps a binary's code in 64 KiB windows around each page executed; one binary holds
/// every role, so start-up leaves several MiB resident that an agent never touches again.
/// `MADV_DONTNEED` on a read-only private file mapping only drops page-table entries: a later call
/// faults the page back in from the file. Mappings that hold modified (anonymous) pages, such as
/// relocated data, are left alone, since dropping those would lose the relocations.
enum StartupPages {
    /// Returns the bytes released (0 where unsupported).
    @discardableResult
    static func release() -> Int {
        #if os(Linux)
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
              let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        else { return 0 }
        var candidates: [(start: UInt, end: UInt)] = []
        var current: (start: UInt, end: UInt, eligible: Bool)?
        func close() {
            if let mapping = current, mapping.eligible { candidates.append((mapping.start, mapping.end)) }
            current = nil
        }
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), fields.count >= 5 {
                close()
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { continue }
                let permissions = fields[1]
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                current = (start, end, path == executable && (permissions == "r-xp" || permissions == "r--p"))
            } else if fields.first == "Anonymous:", fields.count >= 2, fields[1] != "0" {
                current?.eligible = false
            }
        }
        close()
        var released = 0
        for mapping in candidates {
            let length = Int(mapping.end - mapping.start)
            if madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
        #else
        return 0
        #endif
    }
}
