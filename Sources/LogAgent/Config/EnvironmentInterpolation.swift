/// Replaces `${NAME}` and `${NAME:-default}` in configuration text with environment values before
/// the YAML is parsed (line numbers stay valid); `$$` is a literal `$`. Comment lines are left
/// alone. An unset variable without a default, an unterminated `${`, or a value containing a
/// line break (which could smuggle YAML structure in) is an error naming the variable and line.
enum EnvironmentInterpolation {
    static func apply(to text: String, environment: [String: String], file: String) throws(ConfigError) -> String {
        var output: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") {
                output.append(String(line))
            } else {
                output.append(try interpolate(String(line), lineNumber: index + 1, environment: environment, file: file))
            }
        }
        return output.joined(separator: "\n")
    }

    private static func interpolate(
        _ line: String, lineNumber: Int, environment: [String: String], file: String
    ) throws(ConfigError) -> String {
        func failure(_ message: String) -> ConfigError { ConfigError(file: file, line: lineNumber, message: message) }
        var result = ""
        var rest = line[...]
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest[rest.index(after: dollar)...]
            if afterDollar.hasPrefix("$") {
                result += "$"
                rest = afterDollar.dropFirst()
            } else if afterDollar.hasPrefix("{") {
                guard let close = afterDollar.firstIndex(of: "}") else { throw failure("unterminated ${ in '\(line)'") }
                let expression = afterDollar[afterDollar.index(after: afterDollar.startIndex)..<close]
                let name: Substring
                let fallback: Substring?
                if let separator = expression.range(of: ":-") {
                    name = expression[..<separator.lowerBound]
                    fallback = expression[separator.upperBound...]
                } else {
                    name = expression
                    fallback = nil
                }
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw failure("invalid variable name '\(name)' in ${\(expression)}")
                }
                let value: String
                if let set = environment[String(name)], !(set.isEmpty && fallback != nil) {
                    value = set
                } else if let fallback {
                    value = String(fallback)
                } else {
                    throw failure("environment variable \(name) is not set (use ${\(name):-default} for a default)")
                }
                guard !value.contains(where: \.isNewline) else {
                    throw failure("environment variable \(name) contains a line break")
                }
                result += value
                rest = afterDollar[afterDollar.index(after: close)...]
            } else {
                result += "$"
                rest = afterDollar
            }
        }
        return result + rest
    }
}
