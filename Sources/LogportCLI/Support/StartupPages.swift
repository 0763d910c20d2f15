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
        var released = 0
        for range in releasableRanges(smaps: smaps, executable: executable) {
            let length = Int(range.upperBound - range.lowerBound)
            if madvise(UnsafeMutableRawPointer(bitPattern: range.lowerBound), length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
        #else
        return 0
        #endif
    }

    /// The address ranges of `executable`'s private read-only mappings (code, constant data) in an
    /// smaps listing that hold no anonymous (modified) page.
    static func releasableRanges(smaps: String, executable: String) -> [Range<UInt>] {
        var ranges: [Range<UInt>] = []
        var current: (range: Range<UInt>, eligible: Bool)?
        func close() {
            if let mapping = current, mapping.eligible { ranges.append(mapping.range) }
            current = nil
        }
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let addresses = fields.first, addresses.contains("-"), fields.count >= 5 {
                close()
                let bounds = addresses.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), start < end
                else { continue }
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                current = (start..<end, path == executable && (fields[1] == "r-xp" || fields[1] == "r--p"))
            } else if fields.first == "Anonymous:", fields.count >= 2, fields[1] != "0" {
                current?.eligible = false
            }
        }
        close()
        return ranges
    }
}
