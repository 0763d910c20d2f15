/// Why `logport up` cannot start or go on, in words for the operator: the file or setting, and what to do.
struct UpError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
