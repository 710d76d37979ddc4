import Foundation
import Inspection
import Store
import Testing
import TestSupport

@Suite struct VerdictStoreQueryTests {
    static let day = StoreSamples.dayStart

    /// Two stations over two UTC days; every row finished except one queued image.
    /// a–c, g: line-1; d–f: line-2. Returns ids by letter.
    static func populate(_ store: VerdictStore) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        ids["a"] = try store.addFinished(StoreSamples.file(1), at: day + 4200, verdict: .pass, score: 0.10)
        ids["d"] = try store.addFinished(StoreSamples.file(4, station: "line-2"), at: day + 4800, verdict: .pass, score: 0.20)
        ids["b"] = try store.addFinished(StoreSamples.file(2), at: day + 6600, verdict: .review, score: 0.60)
        ids["c"] = try store.addFinished(StoreSamples.file(3), at: day + 7500, verdict: .fail, score: 0.90)
        ids["e"] = try store.addFinished(StoreSamples.file(5, station: "line-2"), at: day + 90000, verdict: nil)
        ids["f"] = try store.addFinished(StoreSamples.file(6, station: "line-2"), at: day + 93600, verdict: .fail, score: 0.85)
        ids["g"] = try store.recordDiscovered(StoreSamples.file(7), at: day + 97200)
        return ids
    }

    /// Letters of the rows a filter returns, in order.
    static func letters(_ store: VerdictStore, _ filter: VerdictFilter, _ ids: [String: Int64]) throws -> String {
        let byId = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
        return try store.records(filter).map { byId[$0.id] ?? "?" }.joined()
    }

    @Test func filtersAndOrder() throws {
        let scratch = try StoreScratch()
        let writer = try VerdictStore.openForWriting(path: scratch.path())
        let ids = try Self.populate(writer)
        let store = try VerdictStore.openReadOnly(path: scratch.path())
        func run(_ filter: VerdictFilter) throws -> String { try Self.letters(store, filter, ids) }

        #expect(try run(VerdictFilter()) == "gfecbda")
        #expect(try run(VerdictFilter(newestFirst: false)) == "adbcefg")
        #expect(try run(VerdictFilter(since: Self.day + 6600, until: Self.day + 90000)) == "cb", "[since, until)")
        #expect(try run(VerdictFilter(since: Self.day + 90000)) == "gfe")
        #expect(try run(VerdictFilter(until: Self.day + 4800)) == "a")
        #expect(try run(VerdictFilter(stations: ["line-2"])) == "fed")
        #expect(try run(VerdictFilter(stations: ["line-1", "line-2"], newestFirst: false)) == "adbcefg")
        #expect(try run(VerdictFilter(stations: ["nowhere"])) == "")
        #expect(try run(VerdictFilter(verdicts: [.fail])) == "fc")
        #expect(try run(VerdictFilter(verdicts: [.pass, .review])) == "bda")
        #expect(try run(VerdictFilter(states: [.queued])) == "g")
        #expect(try run(VerdictFilter(states: [.error, .queued])) == "ge")
        #expect(try run(VerdictFilter(minScore: 0.6)) == "fcb")
        #expect(try run(VerdictFilter(limit: 2)) == "gf")
        #expect(try run(VerdictFilter(limit: 2, newestFirst: false)) == "ad")
        #expect(try run(VerdictFilter(limit: 0)) == "")
        #expect(try run(VerdictFilter(stations: ["line-1"], minScore: 0.5, newestFirst: false)) == "bc")

        let queued = try #require(try store.records(VerdictFilter(states: [.queued])).first)
        #expect(queued.finishedAt == nil && queued.time == Self.day + 97200)
    }

    @Test func statsPerStationHourAndDay() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        _ = try Self.populate(store)
        let day = Self.day

        #expect(try store.stats(VerdictFilter(), bucket: .none) == [
            StationStats(station: "line-1", total: 4, pass: 1, review: 1, fail: 1, errors: 0, queued: 1, yield: 1.0 / 3),
            StationStats(station: "line-2", total: 3, pass: 1, review: 0, fail: 1, errors: 1, queued: 0, yield: 0.5),
        ])
        #expect(try store.stats(VerdictFilter(), bucket: .hour) == [
            StationStats(station: "line-1", bucketStart: day + 3600, total: 2, pass: 1, review: 1, fail: 0, errors: 0,
                         queued: 0, yield: 0.5),
            StationStats(station: "line-1", bucketStart: day + 7200, total: 1, pass: 0, review: 0, fail: 1, errors: 0,
                         queued: 0, yield: 0),
            StationStats(station: "line-1", bucketStart: day + 97200, total: 1, pass: 0, review: 0, fail: 0, errors: 0,
                         queued: 1, yield: nil),
            StationStats(station: "line-2", bucketStart: day + 3600, total: 1, pass: 1, review: 0, fail: 0, errors: 0,
                         queued: 0, yield: 1),
            StationStats(station: "line-2", bucketStart: day + 90000, total: 1, pass: 0, review: 0, fail: 0, errors: 1,
                         queued: 0, yield: nil),
            StationStats(station: "line-2", bucketStart: day + 93600, total: 1, pass: 0, review: 0, fail: 1, errors: 0,
                         queued: 0, yield: 0),
        ])
        #expect(try store.stats(VerdictFilter(), bucket: .day) == [
            StationStats(station: "line-1", bucketStart: day, total: 3, pass: 1, review: 1, fail: 1, errors: 0,
                         queued: 0, yield: 1.0 / 3),
            StationStats(station: "line-1", bucketStart: day + 86400, total: 1, pass: 0, review: 0, fail: 0, errors: 0,
                         queued: 1, yield: nil),
            StationStats(station: "line-2", bucketStart: day, total: 1, pass: 1, review: 0, fail: 0, errors: 0,
                         queued: 0, yield: 1),
            StationStats(station: "line-2", bucketStart: day + 86400, total: 2, pass: 0, review: 0, fail: 1, errors: 1,
                         queued: 0, yield: 0),
        ])
        // Filters narrow the stats; limit does not apply to them.
        #expect(try store.stats(VerdictFilter(since: day + 86400, stations: ["line-2"], limit: 1), bucket: .none) == [
            StationStats(station: "line-2", total: 2, pass: 0, review: 0, fail: 1, errors: 1, queued: 0, yield: 0),
        ])
        #expect(try store.stats(VerdictFilter(stations: ["nowhere"]), bucket: .day).isEmpty)
    }

    @Test func recordAndMapLookups() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let withMap = try store.addFinished(StoreSamples.file(1), at: Self.day, verdict: .pass, map: try StoreSamples.map())
        let withoutMap = try store.addFinished(StoreSamples.file(2), at: Self.day + 1, verdict: .review)
        #expect(try store.map(id: withMap) == StoreSamples.map())
        #expect(try store.map(id: withoutMap) == nil)
        #expect(throws: InspectionError.notFound(what: "inspection", id: 77)) { try store.map(id: 77) }
        #expect(throws: InspectionError.notFound(what: "inspection", id: 77)) { try store.record(id: 77) }
    }

    @Test func retentionDeletesOnlyOldFinishedRowsAndMaps() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let day = Self.day
        let map = try StoreSamples.map()
        let old = try store.addFinished(StoreSamples.file(1), at: day, verdict: .fail, map: map)
        let oldError = try store.addFinished(StoreSamples.file(2), at: day, verdict: nil)
        let mid = try store.addFinished(StoreSamples.file(3), at: day + 5 * 86400, verdict: .pass, map: map)
        let recent = try store.addFinished(StoreSamples.file(4), at: day + 9.5 * 86400, verdict: .pass, map: map)
        // Old but unfinished work: retention must never lose it.
        let processingOld = try #require(try store.recordDiscovered(StoreSamples.file(5), at: day))
        let queuedOld = try #require(try store.recordDiscovered(StoreSamples.file(6), at: day))
        #expect(try store.claimNext(at: day)?.id == processingOld)
        let now = day + 10 * 86400

        #expect(try store.applyRetention(verdictDays: nil, mapDays: nil, now: now) == (rows: 0, maps: 0))
        // Rows older than 7 days go with their maps; maps older than 3 days go on their own.
        #expect(try store.applyRetention(verdictDays: 7, mapDays: 3, now: now) == (rows: 2, maps: 2))
        #expect(throws: InspectionError.notFound(what: "inspection", id: old)) { try store.record(id: old) }
        #expect(throws: InspectionError.notFound(what: "inspection", id: oldError)) { try store.record(id: oldError) }
        #expect(try store.record(id: mid).verdict == .pass)
        #expect(try store.map(id: mid) == nil)
        #expect(try store.map(id: recent) == map)
        #expect(try store.applyRetention(verdictDays: 7, mapDays: 3, now: now) == (rows: 0, maps: 0))

        #expect(try store.applyRetention(verdictDays: 0, mapDays: nil, now: now) == (rows: 2, maps: 1))
        #expect(try store.counts() == [.queued: 1, .processing: 1, .done: 0, .error: 0])
        #expect(try store.record(id: processingOld).state == .processing)
        #expect(try store.record(id: queuedOld).state == .queued)
        #expect(throws: InspectionError.self) { try store.applyRetention(verdictDays: -1, mapDays: nil, now: now) }

        // Ids are never reused after deletions, so an id printed by inspectctl stays unambiguous.
        let next = try #require(try store.recordDiscovered(StoreSamples.file(9), at: now))
        #expect(next > queuedOld)
    }
}
