import Foundation
import Hummingbird
import Store

/// `/events`: server-sent events for the live list. Once a second it asks the WAL database
/// for rows finished after the last one sent (an index range read, so it costs the daemon
/// nothing), sends each as a ready `<tr>` (`event: verdict`), and after new rows the
/// refreshed yield strip (`event: strip`). A comment every 15 s keeps proxies from closing
/// the stream; after an hour the server ends it and EventSource reconnects.
struct LiveFeed {
    let state: WebState

    static let pollInterval: Duration = .seconds(1)
    static let lifetime: Double = 3600

    func response(_ fields: FormFields) throws -> Response {
        var query = try ListQuery(fields).filter()
        query.offset = 0
        let filter = query
        let store = try state.readStore()
        let stations = state.stations(store: store)
        let start = try store.latestFinish()
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        let body = ResponseBody { writer in
            let started = Date().timeIntervalSince1970
            var cursor = start
            var lastWrite = started
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            while !Task.isCancelled, Date().timeIntervalSince1970 - started < Self.lifetime {
                try await Task.sleep(for: Self.pollInterval)
                let rows = try store.finished(after: cursor, matching: filter, limit: 100)
                var text = ""
                for record in rows {
                    text += "id: \(record.finishedAt ?? 0):\(record.id)\nevent: verdict\ndata: \(ListPage.row(record, label: nil))\n\n"
                }
                if let last = rows.last { cursor = FinishCursor(finishedAt: last.finishedAt ?? cursor.finishedAt, id: last.id) }
                if !rows.isEmpty {
                    let strip = try YieldStrip(store: store, stations: stations).render()
                    text += "event: strip\ndata: \(strip.replacingOccurrences(of: "\n", with: " "))\n\n"
                }
                let now = Date().timeIntervalSince1970
                if text.isEmpty, now - lastWrite >= 15 { text = ": keep-alive\n\n" }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    lastWrite = now
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
