import PostgresNIO

/// Builds the binds of a statement whose placeholders are numbered as values are added
/// (`$1`, `$2`, …). The values PostgresNIO encodes here (text, integers, doubles, booleans,
/// bytes) cannot fail to encode, so adding never throws.
struct PostgresBindingsBuilder {
    private(set) var bindings = PostgresBindings()
    private(set) var count = 0

    /// Adds a value (nil = NULL) and returns its placeholder.
    @discardableResult
    mutating func add<T: PostgresDynamicTypeEncodable>(_ value: T?) -> String {
        bindings.append(value)
        count += 1
        return "$\(count)"
    }
}
