#ifndef INSPECTD_CIMAGECODECS_H
#define INSPECTD_CIMAGECODECS_H

// libjpeg-turbo and libpng behind plain C entry points. Both libraries report fatal errors
// with longjmp; every setjmp/longjmp lives inside these functions so that no jump ever
// crosses a Swift frame. Each entry point returns a status code and, on failure, writes a
// NUL-terminated message into the caller's `err` buffer (truncated to `err_len`).

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: status codes

/// Success.
#define INSPECTD_OK 0
/// The header was read and `info` filled; call again with an output buffer large enough
/// for `info->width * info->height` pixels.
#define INSPECTD_NEED_BUFFER 1
/// width * height exceeds the caller's pixel budget (`info->width/height` are filled).
#define INSPECTD_TOO_MANY_PIXELS 2
/// The data ends before the image does.
#define INSPECTD_TRUNCATED 3
/// The decoder rejected the data.
#define INSPECTD_CORRUPT 4
/// The image is valid but of a kind this entry point does not handle.
#define INSPECTD_UNSUPPORTED 5
/// malloc failed.
#define INSPECTD_OUT_OF_MEMORY 6
/// The caller passed inconsistent arguments (sizes, NULL pointers).
#define INSPECTD_BAD_ARGUMENT 7

// MARK: JPEG colour spaces as reported in inspectd_image_info.jpeg_color_space

#define INSPECTD_JCS_UNKNOWN 0
#define INSPECTD_JCS_GRAYSCALE 1
#define INSPECTD_JCS_RGB 2
#define INSPECTD_JCS_YCBCR 3
#define INSPECTD_JCS_CMYK 4
#define INSPECTD_JCS_YCCK 5

/// What the header said, so the caller can describe the source and size its buffer.
typedef struct inspectd_image_info {
    uint32_t width;
    uint32_t height;
    // JPEG
    int32_t jpeg_progressive;     ///< 1 for a progressive (SOF2/SOF10) stream
    int32_t jpeg_arithmetic;      ///< 1 for arithmetic entropy coding
    int32_t jpeg_color_space;     ///< INSPECTD_JCS_*
    int32_t jpeg_components;      ///< number of components in the stream
    int32_t jpeg_adobe_marker;    ///< 1 if an Adobe APP14 marker was seen (CMYK is then inverted)
    int32_t jpeg_adobe_transform; ///< the Adobe transform code (0 none, 1 YCbCr, 2 YCCK)
    // PNG
    int32_t png_bit_depth;        ///< 1, 2, 4, 8 or 16
    int32_t png_color_type;       ///< PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int32_t png_interlaced;       ///< 1 for Adam7
    int32_t png_has_trns;         ///< 1 if a tRNS chunk is present
    int32_t png_composited;       ///< 1 if the output was alpha-composited on black
    int32_t warnings;             ///< non-fatal library warnings that were ignored (libpng)
} inspectd_image_info;

/// Decodes a JPEG to interleaved 8-bit RGB. Call with `out == NULL` to read the header only
/// (returns INSPECTD_NEED_BUFFER), then with a buffer of at least width*height*3 bytes.
/// Any libjpeg warning (premature end of data, corrupt entropy data...) aborts the decode:
/// INSPECTD_TRUNCATED when the data ran out, INSPECTD_CORRUPT otherwise.
int inspectd_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                         uint8_t *out, size_t out_capacity, inspectd_image_info *info,
                         char *err, size_t err_len);

/// Decodes any PNG to interleaved 8-bit RGB: palette and low-bit gray expanded, 16-bit
/// reduced to its high byte, gray replicated, and alpha (including tRNS) composited on
/// black as round(v * a / 255). Two-phase like inspectd_jpeg_decode.
int inspectd_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                        uint8_t *out, size_t out_capacity, inspectd_image_info *info,
                        char *err, size_t err_len);

/// Decodes a 16-bit grayscale PNG exactly into host-order samples (`out_count` samples of
/// room). Other PNG kinds return INSPECTD_UNSUPPORTED. Two-phase like the others.
int inspectd_png_decode_gray16(const uint8_t *data, size_t size, uint64_t max_pixels,
                               uint16_t *out, size_t out_count, inspectd_image_info *info,
                               char *err, size_t err_len);

/// Encodes a PNG from rows already in PNG sample layout (packed low-bit samples, big-endian
/// 16-bit samples), `rows_len` must be exactly height * ceil(width*channels*bit_depth/8).
/// `palette` is `palette_len` RGB triples (colour type 3 only); `trns` is the raw tRNS chunk
/// payload (may be NULL). `compression_level` -1 keeps zlib's default. On success `*out`
/// holds `*out_len` bytes allocated with malloc; release with inspectd_free.
int inspectd_png_encode(const uint8_t *rows, size_t rows_len, uint32_t width, uint32_t height,
                        int color_type, int bit_depth, int interlaced,
                        const uint8_t *palette, int palette_len,
                        const uint8_t *trns, int trns_len, int compression_level,
                        uint8_t **out, size_t *out_len, char *err, size_t err_len);

// MARK: JPEG encoding (used by tests to produce every variant the decoder must read)

/// Write a progressive JPEG.
#define INSPECTD_JPEG_PROGRESSIVE 1
/// Store 4-component input as YCCK instead of CMYK (always with an Adobe marker).
#define INSPECTD_JPEG_YCCK 2
/// Omit the Adobe APP14 marker for 4-component input (plain, non-inverted CMYK).
#define INSPECTD_JPEG_NO_ADOBE 4
/// Disable chroma subsampling (4:4:4).
#define INSPECTD_JPEG_NO_SUBSAMPLING 8

/// Encodes 1 (gray), 3 (RGB) or 4 (CMYK, stored as given) component pixels to JPEG.
/// On success `*out` holds `*out_len` bytes allocated with malloc; release with inspectd_free.
int inspectd_jpeg_encode(const uint8_t *pixels, size_t pixels_len, uint32_t width, uint32_t height,
                         int components, int quality, int flags,
                         uint8_t **out, size_t *out_len, char *err, size_t err_len);

/// Releases a buffer returned by an encode function.
void inspectd_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
