import Foundation

/// Accumulates indented Swift source.
struct CodeWriter {
    private(set) var text = ""
    private var indentation = 0

    mutating func line(_ content: String = "") {
        if content.isEmpty {
            text += "\n"
        } else {
            text += String(repeating: "    ", count: indentation) + content + "\n"
        }
    }

    /// `header {`, the body one level deeper, then `}`.
    mutating func block(_ header: String, _ body: (inout CodeWriter) throws -> Void) rethrows {
        line(header + " {")
        indentation += 1
        try body(&self)
        indentation -= 1
        line("}")
    }

    /// The body one level deeper, without braces (a `case` body).
    mutating func indented(_ body: (inout CodeWriter) throws -> Void) rethrows {
        indentation += 1
        try body(&self)
        indentation -= 1
    }

    /// The body inside `if condition { … }`, or at the current level when there is no condition.
    mutating func conditional(_ condition: String?, _ body: (inout CodeWriter) throws -> Void) rethrows {
        if let condition {
            try block("if \(condition)", body)
        } else {
            try body(&self)
        }
    }

    /// `if condition { whenTrue } else { whenFalse }`.
    mutating func ifElse(
        _ condition: String, then whenTrue: (inout CodeWriter) -> Void, else whenFalse: (inout CodeWriter) -> Void
    ) {
        line("if \(condition) {")
        indentation += 1
        whenTrue(&self)
        indentation -= 1
        line("} else {")
        indentation += 1
        whenFalse(&self)
        indentation -= 1
        line("}")
    }

    /// Like `ifElse`, for a version condition from `Versions.condition(within:)`: nil (always) and
    /// "false" (never) emit only the branch that runs.
    mutating func branch(
        _ condition: String?, then whenTrue: (inout CodeWriter) -> Void, else whenFalse: (inout CodeWriter) -> Void
    ) {
        switch condition {
        case nil: whenTrue(&self)
        case "false": whenFalse(&self)
        case let condition?: ifElse(condition, then: whenTrue, else: whenFalse)
        }
    }

    mutating func documentation(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        for part in trimmed.split(separator: "\n", omittingEmptySubsequences: false) {
            line("/// " + part.trimmingCharacters(in: .whitespaces))
        }
    }
}
