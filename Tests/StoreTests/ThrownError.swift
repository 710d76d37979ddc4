import Testing

/// The error of type `E` that `body` threw, or nil when it succeeded; an error of another
/// type is recorded as an issue, so a test can pattern-match the case it expects.
func thrownError<E: Error, R>(_ type: E.Type, sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: () throws -> R) -> E? {
    do {
        _ = try body()
        return nil
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
