import Inspection
import GRDB

extension VerdictFilter {
    /// The WHERE clause (empty, or starting with " WHERE") and its arguments. Values are always
    /// bound, never spliced into the SQL.
    func sqlCondition() -> (sql: String, arguments: StatementArguments) {
        let time = VerdictStore.timeExpression
        var clauses: [String] = []
        var values: [(any DatabaseValueConvertible)?] = []
        func list(_ column: String, _ items: [String]) {
            clauses.append("\(column) IN (\(Array(repeating: "?", count: items.count).joined(separator: ", ")))")
            values.append(contentsOf: items.map { $0 as (any DatabaseValueConvertible)? })
        }
        if let since {
            clauses.append("\(time) >= ?")
            values.append(since)
        }
        if let until {
            clauses.append("\(time) < ?")
            values.append(until)
        }
        if !stations.isEmpty { list("station", stations) }
        if !verdicts.isEmpty {
            list("verdict", verdicts.map(\.rawValue))
            if includeErrors, let last = clauses.popLast() { clauses.append("(\(last) OR state = 'error')") }
        }
        if !states.isEmpty { list("state", states.map(\.rawValue)) }
        if let minScore {
            clauses.append("score >= ?")
            values.append(minScore)
        }
        let sql = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return (sql, StatementArguments(values))
    }
}
