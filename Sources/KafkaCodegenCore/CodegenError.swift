/// A schema the generator cannot translate, with the file and field it came from.
public struct CodegenError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
