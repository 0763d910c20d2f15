#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the files a file source reads: every path matching an `include` glob (glob(3) syntax:
/// `*`, `?`, `[…]`; no `**`) and no `exclude` pattern (fnmatch(3) against the whole path), in
/// sorted order without duplicates.
public struct PathDiscovery: Sendable {
    public let include: [String]
    public let exclude: [String]

    public init(include: [String], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    public func paths() -> [String] {
        var found = Set<String>()
        for pattern in include {
            for path in Self.glob(pattern) where !isExcluded(path) { found.insert(path) }
        }
        return found.sorted()
    }

    public func isExcluded(_ path: String) -> Bool {
        exclude.contains { fnmatch($0, path, 0) == 0 }
    }

    private static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard systemGlob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }
    }
}

#if canImport(Glibc)
private let systemGlob = Glibc.glob
#elseif canImport(Darwin)
private let systemGlob = Darwin.glob
#endif
