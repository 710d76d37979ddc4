// PNG decode/encode through libpng 1.6. libpng's error callback longjmps to png_jmpbuf,
// which is always set inside the entry point that made the call.

#include "CImageCodecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Ancillary chunks are metadata we ignore; these caps keep a hostile file from making libpng
/// hoard them (libpng's own defaults, stated so they do not depend on the build).
#define PNG_CHUNK_CACHE_MAX 1000
#define PNG_CHUNK_MALLOC_MAX (8u << 20)

static void set_message(char *err, size_t err_len, const char *fmt, ...) {
    if (err == NULL || err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/// Reader state; lives on the heap so that its fields are well-defined after a longjmp.
typedef struct png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    int ran_out;   ///< the read callback was asked for bytes past the end
    int status;    ///< preset by our own checks; 0 means "classify libpng's message"
    int warnings;
    char message[256];
    uint8_t *row;
    uint8_t *image;
} png_decoder;

static int looks_truncated(const png_decoder *d) {
    return d->ran_out || strstr(d->message, "Not enough image data") != NULL ||
           strstr(d->message, "Read Error") != NULL;
}

static void on_png_error(png_structp png, png_const_charp message) {
    png_decoder *d = (png_decoder *)png_get_error_ptr(png);
    if (d->status == 0) {
        snprintf(d->message, sizeof d->message, "%s", message ? message : "libpng error");
        d->status = looks_truncated(d) ? INSPECTD_TRUNCATED : INSPECTD_CORRUPT;
    }
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)message;
    png_decoder *d = (png_decoder *)png_get_error_ptr(png);
    d->warnings += 1;
}

static void decoder_fail(png_decoder *d, int status, const char *fmt, ...) {
    d->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    png_longjmp(d->png, 1);
}

static void on_png_read(png_structp png, png_bytep target, png_size_t length) {
    png_decoder *d = (png_decoder *)png_get_io_ptr(png);
    if (length > d->size - d->position) {
        d->ran_out = 1;
        snprintf(d->message, sizeof d->message,
                 "Read Error: the data ends after %zu bytes, inside the PNG stream", d->size);
        d->status = INSPECTD_TRUNCATED;
        png_longjmp(png, 1);
    }
    memcpy(target, d->data + d->position, length);
    d->position += length;
}

static uint32_t read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/// Rejects a header that claims too many pixels before libpng reads anything else, so a
/// 100000x100000 claim fails at once whatever follows it.
static int check_ihdr_quickly(const uint8_t *data, size_t size, uint64_t max_pixels,
                              inspectd_image_info *info, char *err, size_t err_len) {
    if (size < 24 || memcmp(data + 12, "IHDR", 4) != 0) return INSPECTD_OK;
    uint32_t width = read_be32(data + 16), height = read_be32(data + 20);
    uint64_t pixels = (uint64_t)width * height;
    if (width == 0 || height == 0 || pixels <= max_pixels) return INSPECTD_OK;
    info->width = width;
    info->height = height;
    set_message(err, err_len, "%ux%u = %llu pixels exceeds the limit of %llu", width, height,
                (unsigned long long)pixels, (unsigned long long)max_pixels);
    return INSPECTD_TOO_MANY_PIXELS;
}

static png_decoder *decoder_create(const uint8_t *data, size_t size) {
    png_decoder *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    d->data = data;
    d->size = size;
    d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, on_png_error, on_png_warning);
    if (d->png == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

static void decoder_release(png_decoder *d) {
    png_destroy_read_struct(&d->png, d->info ? &d->info : NULL, NULL);
    free(d->row);
    free(d->image);
    free(d);
}

/// Everything both decoders do up to png_read_info: limits, reader, header, pixel budget.
/// Must be called after setjmp(png_jmpbuf(d->png)).
static void decoder_read_header(png_decoder *d, uint64_t max_pixels, inspectd_image_info *info) {
    d->info = png_create_info_struct(d->png);
    if (d->info == NULL) decoder_fail(d, INSPECTD_OUT_OF_MEMORY, "out of memory");
    // Neither axis can exceed the pixel budget (the other is at least 1), nor PNG's own 2^31-1.
    uint64_t axis = max_pixels < 1 ? 1 : max_pixels;
    if (axis > PNG_UINT_31_MAX) axis = PNG_UINT_31_MAX;
    png_set_user_limits(d->png, (png_uint_32)axis, (png_uint_32)axis);
    png_set_chunk_cache_max(d->png, PNG_CHUNK_CACHE_MAX);
    png_set_chunk_malloc_max(d->png, PNG_CHUNK_MALLOC_MAX);
    png_set_read_fn(d->png, d, on_png_read);
    png_read_info(d->png, d->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(d->png, d->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    info->width = width;
    info->height = height;
    info->png_bit_depth = bit_depth;
    info->png_color_type = color_type;
    info->png_interlaced = interlace != PNG_INTERLACE_NONE;
    info->png_has_trns = png_get_valid(d->png, d->info, PNG_INFO_tRNS) ? 1 : 0;
    if (width == 0 || height == 0) {
        decoder_fail(d, INSPECTD_CORRUPT, "PNG header has an empty size %ux%u", width, height);
    }
    uint64_t pixels = (uint64_t)width * height;
    if (pixels > max_pixels) {
        decoder_fail(d, INSPECTD_TOO_MANY_PIXELS, "%ux%u = %llu pixels exceeds the limit of %llu",
                     width, height, (unsigned long long)pixels, (unsigned long long)max_pixels);
    }
    if (pixels > SIZE_MAX / 8) decoder_fail(d, INSPECTD_TOO_MANY_PIXELS, "%ux%u does not fit in memory", width, height);
}

/// Black background: out = round(v·a/255), so transparent pixels become black and opaque
/// ones keep their value exactly.
static void composite_on_black(const uint8_t *rgba, uint8_t *rgb, uint32_t width) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned a = rgba[3];
        rgb[0] = (uint8_t)((rgba[0] * a + 127u) / 255u);
        rgb[1] = (uint8_t)((rgba[1] * a + 127u) / 255u);
        rgb[2] = (uint8_t)((rgba[2] * a + 127u) / 255u);
        rgba += 4;
        rgb += 3;
    }
}

static int precheck(const uint8_t *data, size_t size, inspectd_image_info *info, char *err, size_t err_len) {
    if (info == NULL || (data == NULL && size > 0)) {
        set_message(err, err_len, "invalid arguments");
        return INSPECTD_BAD_ARGUMENT;
    }
    memset(info, 0, sizeof *info);
    if (size == 0) {
        set_message(err, err_len, "no data");
        return INSPECTD_TRUNCATED;
    }
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_message(err, err_len, size < 8 ? "shorter than the PNG signature" : "not a PNG signature");
        return size < 8 ? INSPECTD_TRUNCATED : INSPECTD_CORRUPT;
    }
    return INSPECTD_OK;
}

int inspectd_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                        uint8_t *out, size_t out_capacity, inspectd_image_info *info,
                        char *err, size_t err_len) {
    int status = precheck(data, size, info, err, err_len);
    if (status != INSPECTD_OK) return status;
    status = check_ihdr_quickly(data, size, max_pixels, info, err, err_len);
    if (status != INSPECTD_OK) return status;

    png_decoder *const d = decoder_create(data, size);
    if (d == NULL) {
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(d->png))) {
        int failed = d->status ? d->status : INSPECTD_CORRUPT;
        set_message(err, err_len, "%s", d->message);
        info->warnings = d->warnings;
        decoder_release(d);
        return failed;
    }
    decoder_read_header(d, max_pixels, info);
    const uint32_t width = info->width, height = info->height;
    const size_t needed = (size_t)width * height * 3;
    if (out == NULL) {
        info->warnings = d->warnings;
        decoder_release(d);
        return INSPECTD_NEED_BUFFER;
    }
    if (out_capacity < needed) {
        decoder_fail(d, INSPECTD_BAD_ARGUMENT, "output buffer of %zu bytes, need %zu", out_capacity, needed);
    }

    const int color_type = info->png_color_type;
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && info->png_bit_depth < 8) png_set_expand_gray_1_2_4_to_8(d->png);
    if (info->png_has_trns) png_set_tRNS_to_alpha(d->png);
    if (info->png_bit_depth == 16) png_set_strip_16(d->png);  // keeps the high byte
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(d->png);
    const int passes = png_set_interlace_handling(d->png);
    png_read_update_info(d->png, d->info);

    const int channels = png_get_channels(d->png, d->info);
    const size_t rowbytes = png_get_rowbytes(d->png, d->info);
    if (png_get_bit_depth(d->png, d->info) != 8 || (channels != 3 && channels != 4) ||
        rowbytes != (size_t)width * (size_t)channels) {
        decoder_fail(d, INSPECTD_UNSUPPORTED, "unexpected PNG output layout: %d channels, %zu bytes per row",
                     channels, rowbytes);
    }
    const int alpha = channels == 4;
    info->png_composited = alpha;
    if (alpha && passes > 1) {
        // Adam7 fills each row over several passes, so the RGBA rows must all stay around.
        d->image = malloc(rowbytes * height);
        if (d->image == NULL) decoder_fail(d, INSPECTD_OUT_OF_MEMORY, "out of memory");
    } else if (alpha) {
        d->row = malloc(rowbytes);
        if (d->row == NULL) decoder_fail(d, INSPECTD_OUT_OF_MEMORY, "out of memory");
    }
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            uint8_t *rgb = out + (size_t)y * width * 3;
            uint8_t *target = d->image ? d->image + (size_t)y * rowbytes : d->row ? d->row : rgb;
            png_read_row(d->png, target, NULL);
            if (d->row) composite_on_black(d->row, rgb, width);
        }
    }
    if (d->image) {
        for (uint32_t y = 0; y < height; y++) {
            composite_on_black(d->image + (size_t)y * rowbytes, out + (size_t)y * width * 3, width);
        }
    }
    png_read_end(d->png, NULL);
    info->warnings = d->warnings;
    decoder_release(d);
    return INSPECTD_OK;
}

int inspectd_png_decode_gray16(const uint8_t *data, size_t size, uint64_t max_pixels,
                               uint16_t *out, size_t out_count, inspectd_image_info *info,
                               char *err, size_t err_len) {
    int status = precheck(data, size, info, err, err_len);
    if (status != INSPECTD_OK) return status;
    status = check_ihdr_quickly(data, size, max_pixels, info, err, err_len);
    if (status != INSPECTD_OK) return status;

    png_decoder *const d = decoder_create(data, size);
    if (d == NULL) {
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(d->png))) {
        int failed = d->status ? d->status : INSPECTD_CORRUPT;
        set_message(err, err_len, "%s", d->message);
        decoder_release(d);
        return failed;
    }
    decoder_read_header(d, max_pixels, info);
    if (info->png_color_type != PNG_COLOR_TYPE_GRAY || info->png_bit_depth != 16) {
        decoder_fail(d, INSPECTD_UNSUPPORTED, "expected a 16-bit grayscale PNG, got %d-bit colour type %d",
                     info->png_bit_depth, info->png_color_type);
    }
    const uint32_t width = info->width, height = info->height;
    const size_t needed = (size_t)width * height;
    if (out == NULL) {
        decoder_release(d);
        return INSPECTD_NEED_BUFFER;
    }
    if (out_count < needed) {
        decoder_fail(d, INSPECTD_BAD_ARGUMENT, "output buffer of %zu samples, need %zu", out_count, needed);
    }
    const int passes = png_set_interlace_handling(d->png);
    png_read_update_info(d->png, d->info);
    if (png_get_rowbytes(d->png, d->info) != (size_t)width * 2) {
        decoder_fail(d, INSPECTD_UNSUPPORTED, "unexpected PNG row size");
    }
    uint8_t *bytes = (uint8_t *)out;
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_read_row(d->png, bytes + (size_t)y * width * 2, NULL);
        }
    }
    png_read_end(d->png, NULL);
    decoder_release(d);
    // PNG samples are big-endian; turn them into host order in place.
    for (size_t i = 0; i < needed; i++) {
        const uint8_t *p = bytes + 2 * i;
        out[i] = (uint16_t)(((unsigned)p[0] << 8) | p[1]);
    }
    return INSPECTD_OK;
}

// MARK: encoding

typedef struct png_encoder {
    png_structp png;
    png_infop info;
    uint8_t *buffer;
    size_t length;
    size_t capacity;
    int status;
    char message[256];
} png_encoder;

static void on_png_write_error(png_structp png, png_const_charp message) {
    png_encoder *e = (png_encoder *)png_get_error_ptr(png);
    if (e->status == 0) {
        snprintf(e->message, sizeof e->message, "%s", message ? message : "libpng error");
        e->status = INSPECTD_BAD_ARGUMENT;
    }
    png_longjmp(png, 1);
}

static void on_png_write_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void on_png_write(png_structp png, png_bytep bytes, png_size_t length) {
    png_encoder *e = (png_encoder *)png_get_io_ptr(png);
    if (length > e->capacity - e->length) {
        size_t wanted = e->length + length;
        if (wanted < e->length) {
            e->status = INSPECTD_OUT_OF_MEMORY;
            png_error(png, "PNG output too large");
        }
        size_t bigger = e->capacity ? e->capacity : 4096;
        while (bigger < wanted) {
            if (bigger > SIZE_MAX / 2) { bigger = wanted; break; }
            bigger *= 2;
        }
        uint8_t *grown = realloc(e->buffer, bigger);
        if (grown == NULL) {
            e->status = INSPECTD_OUT_OF_MEMORY;
            png_error(png, "out of memory");
        }
        e->buffer = grown;
        e->capacity = bigger;
    }
    memcpy(e->buffer + e->length, bytes, length);
    e->length += length;
}

static void on_png_flush(png_structp png) { (void)png; }

static int channels_for(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
    }
}

int inspectd_png_encode(const uint8_t *rows, size_t rows_len, uint32_t width, uint32_t height,
                        int color_type, int bit_depth, int interlaced,
                        const uint8_t *palette, int palette_len,
                        const uint8_t *trns, int trns_len, int compression_level,
                        uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    const int channels = channels_for(color_type);
    if (out == NULL || out_len == NULL || rows == NULL || channels == 0 || width == 0 || height == 0 ||
        width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX ||
        (bit_depth != 1 && bit_depth != 2 && bit_depth != 4 && bit_depth != 8 && bit_depth != 16) ||
        palette_len < 0 || palette_len > 256 || trns_len < 0 || (palette_len > 0 && palette == NULL) ||
        (trns_len > 0 && trns == NULL) || compression_level < -1 || compression_level > 9) {
        set_message(err, err_len, "invalid arguments");
        return INSPECTD_BAD_ARGUMENT;
    }
    *out = NULL;
    *out_len = 0;
    const uint64_t row_bits = (uint64_t)width * (uint64_t)channels * (uint64_t)bit_depth;
    const uint64_t rowbytes64 = (row_bits + 7) / 8;
    if (rowbytes64 > SIZE_MAX / height || (size_t)rowbytes64 * height != rows_len) {
        set_message(err, err_len, "%zu bytes of rows do not match %ux%u with %d channels of %d bits",
                    rows_len, width, height, channels, bit_depth);
        return INSPECTD_BAD_ARGUMENT;
    }
    const size_t rowbytes = (size_t)rowbytes64;

    png_encoder *const e = calloc(1, sizeof *e);
    if (e == NULL) {
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    e->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, e, on_png_write_error, on_png_write_warning);
    if (e->png == NULL) {
        free(e);
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(e->png))) {
        int failed = e->status ? e->status : INSPECTD_BAD_ARGUMENT;
        set_message(err, err_len, "%s", e->message);
        png_destroy_write_struct(&e->png, e->info ? &e->info : NULL);
        free(e->buffer);
        free(e);
        return failed;
    }
    e->info = png_create_info_struct(e->png);
    if (e->info == NULL) {
        e->status = INSPECTD_OUT_OF_MEMORY;
        png_error(e->png, "out of memory");
    }
    png_set_write_fn(e->png, e, on_png_write, on_png_flush);
    if (compression_level >= 0) png_set_compression_level(e->png, compression_level);
    png_set_IHDR(e->png, e->info, width, height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette_len > 0) {
        png_color colors[256];
        for (int i = 0; i < palette_len; i++) {
            colors[i].red = palette[3 * i];
            colors[i].green = palette[3 * i + 1];
            colors[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(e->png, e->info, colors, palette_len);
    }
    if (trns_len > 0) {
        if (color_type == PNG_COLOR_TYPE_PALETTE) {
            png_set_tRNS(e->png, e->info, trns, trns_len, NULL);
        } else {
            // For gray and RGB the chunk holds one 16-bit big-endian value per channel.
            png_color_16 key;
            memset(&key, 0, sizeof key);
            if (color_type == PNG_COLOR_TYPE_GRAY && trns_len == 2) {
                key.gray = (png_uint_16)((trns[0] << 8) | trns[1]);
            } else if (color_type == PNG_COLOR_TYPE_RGB && trns_len == 6) {
                key.red = (png_uint_16)((trns[0] << 8) | trns[1]);
                key.green = (png_uint_16)((trns[2] << 8) | trns[3]);
                key.blue = (png_uint_16)((trns[4] << 8) | trns[5]);
            } else {
                e->status = INSPECTD_BAD_ARGUMENT;
                png_error(e->png, "tRNS does not fit the colour type");
            }
            png_set_tRNS(e->png, e->info, NULL, 0, &key);
        }
    }
    png_write_info(e->png, e->info);
    const int passes = interlaced ? png_set_interlace_handling(e->png) : 1;
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_write_row(e->png, rows + (size_t)y * rowbytes);
        }
    }
    png_write_end(e->png, NULL);

    *out = e->buffer;
    *out_len = e->length;
    png_destroy_write_struct(&e->png, &e->info);
    free(e);
    return INSPECTD_OK;
}
