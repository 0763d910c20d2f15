/// Swift spellings of schema names.
enum SwiftNames {
    /// `TimeoutMs` → `timeoutMs`, mechanically (only the first letter changes), escaped when a keyword.
    static func property(_ jsonName: String) -> String {
        escaped(jsonName.prefix(1).lowercased() + jsonName.dropFirst())
    }

    /// `ApiVersionsRequest` → `apiVersions`.
    static func apiKeyCase(forRequest requestName: String) -> String {
        let base = requestName.hasSuffix("Request") ? String(requestName.dropLast("Request".count)) : requestName
        return property(base)
    }

    static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// Words that cannot be a bare property or parameter name.
    private static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "as", "false", "is", "nil", "self", "Self", "super", "throws",
        "true", "try", "Any", "Type",
    ]
}
