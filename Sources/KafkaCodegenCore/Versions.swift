import Foundation

/// A contiguous range of message versions as the JSON schema writes it: "3", "0-7", "9+" or "none".
/// An empty range (`none`) contains no version; "N+" runs to `Int16.max`.
struct Versions: Equatable, CustomStringConvertible {
    let lowest: Int16
    let highest: Int16

    static let none = Versions(lowest: 1, highest: 0)

    init(lowest: Int16, highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "none" {
            self = .none
        } else if trimmed.hasSuffix("+"), let lowest = Int16(trimmed.dropLast()) {
            self.init(lowest: lowest, highest: .max)
        } else if let dash = trimmed.firstIndex(of: "-"),
            let lowest = Int16(trimmed[..<dash]), let highest = Int16(trimmed[trimmed.index(after: dash)...])
        {
            self.init(lowest: lowest, highest: highest)
        } else if let single = Int16(trimmed) {
            self.init(lowest: single, highest: single)
        } else {
            throw CodegenError("invalid version range \"\(text)\"")
        }
    }

    var isEmpty: Bool { lowest > highest }
    var isOpenEnded: Bool { !isEmpty && highest == .max }

    func intersection(_ other: Versions) -> Versions {
        let result = Versions(lowest: max(lowest, other.lowest), highest: min(highest, other.highest))
        return result.isEmpty ? .none : result
    }

    func contains(_ other: Versions) -> Bool {
        other.isEmpty || (lowest <= other.lowest && other.highest <= highest)
    }

    /// Swift source for "`version` is in this range", assuming `version` is already known to be in
    /// `context`. Nil when that is always true; "false" when never.
    func condition(within context: Versions) -> String? {
        let effective = intersection(context)
        if effective.isEmpty { return "false" }
        if effective == context { return nil }
        let needsLower = effective.lowest > context.lowest
        let needsUpper = effective.highest < context.highest
        if effective.lowest == effective.highest && needsLower && needsUpper {
            return "version == \(effective.lowest)"
        }
        switch (needsLower, needsUpper) {
        case (true, true): return "version >= \(effective.lowest) && version <= \(effective.highest)"
        case (true, false): return "version >= \(effective.lowest)"
        case (false, true): return "version <= \(effective.highest)"
        case (false, false): return nil
        }
    }

    var description: String {
        if isEmpty { return "none" }
        if highest == .max { return "\(lowest)+" }
        return lowest == highest ? "\(lowest)" : "\(lowest)-\(highest)"
    }
}
