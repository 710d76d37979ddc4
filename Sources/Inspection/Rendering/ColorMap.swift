import Foundation

/// The Turbo colour map (blue → green → yellow → red), evaluated from its published
/// polynomial fit; perceptually smoother than jet, so hot spots read correctly.
enum ColorMap {
    /// RGB for `t` in [0, 1] (clamped).
    static func turbo(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let x = min(max(t, 0), 1)
        let r = 0.13572138 + x * (4.61539260 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))))
        let g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))))
        let b = 0.10667330 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))))
        func byte(_ v: Double) -> UInt8 { UInt8(min(max(v, 0), 1) * 255 + 0.5) }
        return (byte(r), byte(g), byte(b))
    }
}
