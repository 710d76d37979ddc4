import Foundation
import Inspection
import Store

/// The bytes behind the pages' images: the original file as the camera wrote it, the map
/// layer and the list thumbnail rendered from the stored map, and a label's mask. The bytes
/// are the scored ones wherever they still are (evidence folder, path, where `after` moved
/// them; see `InspectionBytes`), found from the log, never from a path in the request.
struct ImageBytes {
    let store: VerdictStore

    /// Inspections never change their content, so their images can be cached by the browser.
    static let cacheSeconds = 3600

    func original(id: Int64) throws -> (bytes: [UInt8], type: String) {
        let record = try store.record(id: id)
        let images = InspectionBytes(databasePath: store.path)
        guard let bytes = images.find(record)?.bytes else {
            throw WebFailure(status: .notFound, message: "the original of inspection \(id) is no longer available: "
                             + images.missingReason(record))
        }
        let format = bytes.withUnsafeBytes { ImageFormat.detect($0) }
        return (bytes, format == .jpeg ? "image/jpeg" : format == .png ? "image/png" : "application/octet-stream")
    }

    func layer(id: Int64) throws -> [UInt8] {
        let (map, geometry) = try mapAndGeometry(id: id)
        return try PNGEncoder.encodeRGB8(MapLayerRenderer().render(map: map, geometry: geometry))
    }

    func thumbnail(id: Int64) throws -> [UInt8] {
        let (map, geometry) = try mapAndGeometry(id: id)
        let record = try store.record(id: id)
        let original = InspectionBytes(databasePath: store.path).find(record)
            .flatMap { try? ImageDecoder().decode(data: $0.bytes, name: record.path).image }
        var renderer = MapLayerRenderer()
        renderer.maxSide = 120
        return try PNGEncoder.encodeRGB8(renderer.thumbnail(original: original, map: map, geometry: geometry))
    }

    func mask(labelID: Int64) throws -> [UInt8] {
        guard let label = try store.labels(ids: [labelID]).first else {
            throw InspectionError.notFound(what: "label", id: labelID)
        }
        guard let mask = label.mask else { throw WebFailure(status: .notFound, message: "label \(labelID) has no mask") }
        return mask
    }

    private func mapAndGeometry(id: Int64) throws -> (AnomalyMap, InputGeometry) {
        guard let encoded = try store.map(id: id) else {
            throw WebFailure(status: .notFound, message: "inspection \(id) has no stored anomaly map (an error, or expired by retention)")
        }
        let record = try store.record(id: id)
        guard let json = record.geometryJSON,
              let geometry = try? JSONDecoder().decode(InputGeometry.self, from: Data(json.utf8)) else {
            throw WebFailure(status: .notFound, message: "inspection \(id) has no preprocessing geometry to place its map")
        }
        return (try encoded.decode(), geometry)
    }
}
