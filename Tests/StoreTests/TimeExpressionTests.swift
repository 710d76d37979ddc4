import Foundation
import Inspection
import Store
import Testing

/// `--since/--until` parsing, against a fixed clock and a UTC calendar so nothing depends on
/// the machine's time zone or the time the suite runs.
@Suite struct TimeExpressionTests {
    /// 2026-11-24 10:30:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_516_200)
    /// 2026-11-24 00:00:00 UTC.
    static let midnight: Double = 1_795_478_400

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    static func parse(_ text: String) throws -> Double {
        try TimeExpression.parse(text, now: now, calendar: utc)
    }

    static let relative: [(String, Double)] = [
        ("8h", 28_800), ("30m", 1_800), ("2d", 172_800), ("1w", 604_800), ("90s", 90),
        ("8h ago", 28_800), ("8H", 28_800), ("  2d ago ", 172_800), ("5min", 300), ("0s", 0), ("1.5h", 5_400),
    ]

    @Test(arguments: relative)
    func relativeFormsCountBackFromNow(text: String, seconds: Double) throws {
        #expect(try Self.parse(text) == Self.now.timeIntervalSince1970 - seconds)
    }

    @Test func nowTodayAndYesterday() throws {
        #expect(try Self.parse("now") == Self.now.timeIntervalSince1970)
        #expect(try Self.parse("today") == Self.midnight)
        #expect(try Self.parse("Today") == Self.midnight, "case-insensitive")
        #expect(try Self.parse("yesterday") == Self.midnight - 86400)
    }

    @Test func absoluteDatesAndTimesUseTheCalendarsTimeZone() throws {
        #expect(try Self.parse("2026-11-24") == Self.midnight)
        #expect(try Self.parse("2026-11-24 08:00") == Self.midnight + 8 * 3600)
        #expect(try Self.parse("2026-11-24 08:15:30") == Self.midnight + 8 * 3600 + 15 * 60 + 30)
        #expect(try Self.parse("2026-11-24T08:00") == Self.midnight + 8 * 3600)
        #expect(try Self.parse("2026-11-24T08:15:30") == Self.midnight + 8 * 3600 + 15 * 60 + 30)

        // The same wall-clock text means a different instant in another zone.
        var tokyo = Calendar(identifier: .gregorian)
        tokyo.timeZone = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(try TimeExpression.parse("2026-11-24 08:00", now: Self.now, calendar: tokyo) == Self.midnight - 3600)
    }

    @Test func iso8601WithZoneIgnoresTheCalendar() throws {
        #expect(try Self.parse("2026-11-24T08:00:00Z") == Self.midnight + 8 * 3600)
        #expect(try Self.parse("2026-11-24T08:00:00+02:00") == Self.midnight + 6 * 3600)
        #expect(try Self.parse("2026-11-24T08:00:00-05:30") == Self.midnight + 13.5 * 3600)
        #expect(try Self.parse("2026-11-24T08:00:00.250Z") == Self.midnight + 8 * 3600 + 0.25)
        var tokyo = Calendar(identifier: .gregorian)
        tokyo.timeZone = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(try TimeExpression.parse("2026-11-24T08:00:00Z", now: Self.now, calendar: tokyo) == Self.midnight + 8 * 3600)
    }

    @Test func unixSeconds() throws {
        #expect(try Self.parse("@1764000000") == 1_764_000_000)
        #expect(try Self.parse("@0") == 0)
        #expect(try Self.parse("@1764000000.5") == 1_764_000_000.5)
    }

    @Test(arguments: ["yesterdayish", "", "   ", "-5h", "12x", "h", "ago", "@", "@abc", "8 hours", "2026-11-24 25:00",
                      "2026-11-24 08:00 tomorrow", "nan h", "infs"])
    func invalidTextThrowsInvalidNamingIt(text: String) {
        let error = #expect(throws: TimeExpression.Invalid.self) { try Self.parse(text) }
        #expect(error?.text == text)
        #expect(error?.description.contains("bad time expression '\(text)'") == true)
    }

    /// "yesterday" is the start of the previous calendar day, also the day after a DST change
    /// (not today's midnight minus 86400 s, which would be an hour off).
    @Test func yesterdayAcrossADaylightSavingChange() throws {
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        // 2026-03-30 12:00 CEST; clocks went forward on 2026-03-29 at 02:00 CET.
        let now = Date(timeIntervalSince1970: 1_774_864_800)
        #expect(try TimeExpression.parse("today", now: now, calendar: berlin) == 1_774_821_600, "2026-03-30 00:00 CEST")
        let yesterday = try TimeExpression.parse("yesterday", now: now, calendar: berlin)
        #expect(yesterday == 1_774_738_800, "2026-03-29 00:00 CET")
    }
}
