extension AnomalyMap {
    /// This model-input map resampled onto the original image's pixel grid (bilinear, pixel
    /// centres mapped through `geometry`), so a map lines up with the photo a person sees.
    /// Areas the model never saw (cropped away) take the nearest edge value.
    public func inOriginalGeometry(_ geometry: InputGeometry) throws -> AnomalyMap {
        let w = geometry.originalWidth
        let h = geometry.originalHeight
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let p = geometry.inputPoint(originalX: Double(x), originalY: Double(y))
                out[y * w + x] = sample(x: p.u, y: p.v)
            }
        }
        return try AnomalyMap(width: w, height: h, values: out)
    }
}
