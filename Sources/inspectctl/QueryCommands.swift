import ArgumentParser
import Foundation
import Fleet
import Inspection
import Store

/// `inspectctl verdicts`: the verdict log, filtered like journalctl.
struct VerdictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verdicts", abstract: "List verdicts (newest first), filtered by time, station, verdict and score.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filter: VerdictFilterOptions
    @OptionGroup var fleet: FleetQueryOptions

    @Option(name: .customLong("limit"), help: "At most this many rows (default 50; 0 = all).")
    var limit: Int = 50

    @Option(name: .shortAndLong, help: "table, json (one object per line) or csv.")
    var output: OutputFormat = .table

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit: must be 0 or more (got \(limit))") }
        try fleet.validate(against: store)
    }

    func run() throws {
        try reportingFailures {
            let rows = try store.records(try filter.filter(limit: limit == 0 ? nil : limit), fleet: fleet)
            switch output {
            case .table:
                print(RecordFormatter.tableHeader())
                rows.forEach { print(RecordFormatter.tableRow($0)) }
                print("\(rows.count) row(s)")
            case .json:
                rows.forEach { print(RecordFormatter.jsonLine($0)) }
            case .csv:
                print(RecordFormatter.csvHeader())
                rows.forEach { print(RecordFormatter.csvRow($0)) }
            }
        }
    }
}

/// `inspectctl show ID`: every field of one inspection, optionally its overlay.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show all fields of one inspection.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "Inspection id (first column of 'verdicts').")
    var id: Int64

    @Option(help: "Render the anomaly map over the original image into this PNG file.")
    var overlay: String?

    @Option(name: .shortAndLong, help: "table or json.")
    var output: OutputFormat = .table

    func run() throws {
        try reportingFailures {
            let db = try store.open()
            let record = try db.record(id: id)
            if output == .json {
                print(RecordFormatter.jsonLine(record))
            } else {
                let d = RecordFormatter.dictionary(record)
                for key in d.keys.sorted() {
                    let value = d[key].map { $0 is NSNull ? "-" : "\($0)" } ?? "-"
                    print(RecordFormatter.pad(key, 20) + value)
                }
            }
            if let overlay { try renderOverlay(record, store: db, to: overlay) }
        }
    }

    private func renderOverlay(_ record: InspectionRecord, store db: VerdictStore, to path: String) throws {
        guard let encoded = try db.map(id: record.id) else {
            throw CLIFailure(InspectionError.notFound(what: "anomaly map (expired by retention, or the image was not scored) for inspection", id: record.id))
        }
        let map = try encoded.decode()
        guard let json = record.geometryJSON, let geometry = try? JSONDecoder().decode(InputGeometry.self, from: Data(json.utf8)) else {
            throw CLIFailure(InspectionError.notFound(what: "preprocessing geometry for inspection", id: record.id))
        }
        var original: RGBImage?
        let images = InspectionBytes(databasePath: db.path)
        var problem = images.missingReason(record)
        if let found = images.find(record) {
            do {
                original = try ImageDecoder().decode(data: found.bytes, name: record.path).image
            } catch {
                problem = "\(error)"
            }
        }
        // Without the scored bytes (moved or deleted, nothing kept): draw on grey, never on other bytes.
        if original == nil {
            FileHandle.standardError.write(Data("inspectctl: original image unavailable (\(problem)); drawing on grey\n".utf8))
        }
        let background = original ?? RGBImage(width: geometry.originalWidth, height: geometry.originalHeight,
                                              pixels: [UInt8](repeating: 128, count: geometry.originalWidth * geometry.originalHeight * 3))
        let caption = String(format: "#%lld %@ %.3f", record.id, record.verdict?.rawValue ?? record.state.rawValue, record.score ?? 0)
        let image = OverlayRenderer().render(original: background, map: map, geometry: geometry, range: nil, caption: caption)
        try PNGEncoder.write(try PNGEncoder.encodeRGB8(image), to: path)
        print("overlay written to \(path)")
    }
}

/// `inspectctl status`: the daemon as the database sees it.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Daemon state, counts, queue and the latest verdicts.")

    @OptionGroup var store: StoreOptions

    @Option(name: .shortAndLong, help: "table or json.")
    var output: OutputFormat = .table

    /// `running`, `interrupted` (a running row without a live daemon), or `failed`/`done`.
    static func fitState(_ fit: FewShotFit, daemonAlive: Bool) -> String {
        fit.state == .running && !daemonAlive ? "interrupted" : fit.state.rawValue
    }

    func run() throws {
        try reportingFailures {
            let db = try store.open()
            let status = try db.status()
            let counts = try db.counts()
            let afterFailed = try db.afterProcessingFailures()
            let outbox = try db.outboxStatus()
            let latest = try db.records(VerdictFilter(states: [.done, .error], limit: 5))
            let outputs = (try? db.outputStatuses()) ?? []
            let now = Date().timeIntervalSince1970
            let alive = status.map { $0.state != "stopped" && now - $0.heartbeatAt < 30 && (kill($0.pid, 0) == 0 || errno == EPERM) } ?? false
            let daemonState = status == nil ? "never started" : (alive ? status?.state ?? "?" : "not running (last: \(status?.state ?? "?"))")
            if output == .json {
                var obj: [String: Any] = ["daemon": daemonState, "database": db.path,
                                          "counts": Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                                          "after_failed": afterFailed]
                if let s = status {
                    obj["pid"] = s.pid
                    obj["heartbeat_at"] = TimeExpression.iso(s.heartbeatAt)
                    obj["started_at"] = TimeExpression.iso(s.startedAt)
                    obj["processed"] = s.processed
                    obj["images_per_minute"] = s.imagesPerMinute
                    obj["model_version"] = s.modelVersion
                    obj["config"] = s.configPath
                }
                obj["fits"] = ((try? db.fewShotFits()) ?? []).map { fit -> [String: Any] in
                    ["station": fit.station, "state": Self.fitState(fit, daemonAlive: alive), "attempts": fit.attempts,
                     "done_images": fit.doneImages, "total_labels": fit.totalLabels, "total_images": fit.totalImages,
                     "started_at": TimeExpression.iso(fit.startedAt), "message": fit.message ?? ""]
                }
                obj["outputs"] = outputs.map(OutputStatusPrinter.dictionary)
                obj["outbox"] = OutboxStatusPrinter.dictionary(outbox)
                obj["latest"] = latest.map(RecordFormatter.dictionary)
                print(RecordFormatter.json(obj))
                return
            }
            print("database:   \(db.path)")
            print("daemon:     \(daemonState)" + (status.map { " (pid \($0.pid), heartbeat \(TimeExpression.format($0.heartbeatAt)))" } ?? ""))
            if let s = status {
                print("since:      \(TimeExpression.format(s.startedAt)), processed \(s.processed), \(String(format: "%.1f", s.imagesPerMinute)) img/min")
                print("model:      \(s.modelVersion)")
                print("config:     \(s.configPath)")
            }
            let order: [InspectionState] = [.queued, .processing, .done, .error]
            print("counts:     " + order.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
            print("queue:      \((counts[.queued] ?? 0) + (counts[.processing] ?? 0))")
            if afterFailed > 0 {
                print("after:      \(afterFailed) finished file\(afterFailed == 1 ? "" : "s") could not be moved or deleted (retried at the next start; see inspectctl show ID)")
            }
            if let line = OutboxStatusPrinter.line(outbox) { print("fleet:      \(line)") }
            for c in (try? db.calibrations()) ?? [] {
                let t = c.review.map { r in String(format: "review>=%.4f fail>=%.4f (%@)", r, c.fail ?? r, c.method ?? "") }
                    ?? "configured thresholds"
                print("few-shot:   \(c.station): \(c.goodCount) good, \(c.defectCount) defect labels; \(t); "
                      + "classifier \(c.classifier ?? "none"); \(c.note)")
            }
            for (station, v) in ((try? db.activeVersionSummaries()) ?? [:]).sorted(by: { $0.key < $1.key }) {
                print("version:    \(station): \(v.id) (\(v.source.rawValue)) since \(TimeExpression.format(v.activatedAt ?? v.createdAt))")
            }
            for fit in (try? db.fewShotFits()) ?? [] where fit.state != .done {
                let state = Self.fitState(fit, daemonAlive: alive)
                let text = state == "running" ? fit.progressText : "few-shot fit \(state): \(fit.message ?? "killed with the daemon")"
                print("fitting:    \(fit.station): \(text) (attempt \(fit.attempts), since \(TimeExpression.format(fit.startedAt)))")
            }
            for job in ((try? db.trainingJobs(open: true)) ?? []).reversed() {
                let epoch = job.epoch.map { e in " epoch \(e)/\(job.epochs ?? 0)" } ?? ""
                let loss = job.loss.map { String(format: " loss %.4f", $0) } ?? ""
                print("training:   \(job.station): job \(job.id) \(job.state.rawValue) (\(job.trigger)) \(job.phase ?? "")\(epoch)\(loss)")
            }
            outputs.forEach { print("output:     " + OutputStatusPrinter.line($0)) }
            print("latest:")
            print(RecordFormatter.tableHeader())
            latest.forEach { print(RecordFormatter.tableRow($0)) }
        }
    }
}

/// `inspectctl stats`: counts and yield per station, optionally per hour or day.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts and yield per station (and per hour or day).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filter: VerdictFilterOptions
    @OptionGroup var fleet: FleetQueryOptions

    @Option(help: "Group by: station, hour or day.")
    var by: String = "station"

    @Option(name: .shortAndLong, help: "table, json or csv.")
    var output: OutputFormat = .table

    func validate() throws {
        guard ["station", "hour", "day"].contains(by) else { throw ValidationError("--by: expected station, hour or day (got \(by))") }
        try fleet.validate(against: store)
    }

    func run() throws {
        try reportingFailures {
            let bucket: StatsBucket = by == "hour" ? .hour : by == "day" ? .day : .none
            let rows = try store.stats(try filter.filter(limit: nil), bucket: bucket, fleet: fleet)
            let header = ["station", "bucket", "total", "pass", "review", "fail", "errors", "queued", "after_failed", "yield"]
            func cells(_ s: StationStats) -> [String] {
                [s.station, s.bucketStart.map { TimeExpression.format($0) } ?? "-", "\(s.total)", "\(s.pass)", "\(s.review)",
                 "\(s.fail)", "\(s.errors)", "\(s.queued)", "\(s.afterFailed)", s.yield.map { String(format: "%.4f", $0) } ?? "-"]
            }
            switch output {
            case .table:
                let widths = [14, 20, 7, 7, 7, 7, 7, 7, 13, 8]
                print(zip(header, widths).map { RecordFormatter.pad($0.0.uppercased(), $0.1) }.joined())
                for s in rows { print(zip(cells(s), widths).map { RecordFormatter.pad($0.0, $0.1) }.joined()) }
            case .csv:
                print(header.joined(separator: ","))
                for s in rows { print(cells(s).map(RecordFormatter.csvQuote).joined(separator: ",")) }
            case .json:
                for s in rows {
                    var obj: [String: Any] = ["station": s.station, "total": s.total, "pass": s.pass, "review": s.review,
                                              "fail": s.fail, "errors": s.errors, "queued": s.queued,
                                              "after_failed": s.afterFailed]
                    obj["bucket_start"] = TimeExpression.iso(s.bucketStart) ?? NSNull()
                    obj["yield"] = s.yield ?? NSNull()
                    print(RecordFormatter.json(obj))
                }
            }
        }
    }
}

/// `inspectctl export`: every row of a range as CSV or JSON, to a file or stdout.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a range of the verdict log as CSV or JSON.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filter: VerdictFilterOptions
    @OptionGroup var fleet: FleetQueryOptions

    @Option(help: "csv or json (a JSON array).")
    var format: String = "csv"

    @Option(name: .customLong("out"), help: "Write to this file instead of standard output.")
    var outFile: String?

    func validate() throws {
        guard ["csv", "json"].contains(format) else { throw ValidationError("--format: expected csv or json (got \(format))") }
        try fleet.validate(against: store)
    }

    func run() throws {
        try reportingFailures {
            let rows = try store.records(try filter.filter(limit: nil, newestFirst: false), fleet: fleet)
            var text: String
            if format == "csv" {
                text = ([RecordFormatter.csvHeader()] + rows.map(RecordFormatter.csvRow)).joined(separator: "\n") + "\n"
            } else {
                text = "[" + rows.map(RecordFormatter.jsonLine).joined(separator: ",\n") + "]\n"
            }
            if let outFile {
                do {
                    try text.write(toFile: outFile, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIFailure(InspectionError.encodeFailed(path: outFile, reason: "\(error.localizedDescription)"))
                }
                FileHandle.standardError.write(Data("exported \(rows.count) row(s) to \(outFile)\n".utf8))
            } else {
                print(text, terminator: "")
            }
        }
    }
}
