// JPEG decode/encode through libjpeg-turbo's classic API. libjpeg reports fatal errors by
// calling error_exit, which here longjmps back to the entry point; warnings (which libjpeg
// would otherwise paper over, e.g. filling a truncated image with grey) abort the same way.

#include "CImageCodecs.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/// A real encoder writes ~10 scans; a stream with hundreds is an attack on CPU time
/// (each progressive scan revisits every coefficient block).
#define MAX_JPEG_SCANS 256

/// Where a failing libjpeg call jumps to, and what it had to say.
typedef struct jpeg_guard {
    jmp_buf jump;
    int status;
    int warnings;
    char message[JMSG_LENGTH_MAX + 64];
} jpeg_guard;

static void copy_message(char *err, size_t err_len, const char *message) {
    if (err == NULL || err_len == 0) return;
    snprintf(err, err_len, "%s", message);
}

static void set_message(char *err, size_t err_len, const char *fmt, ...) {
    if (err == NULL || err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/// Ends the current libjpeg call with `status`; used for our own checks too so that every
/// failure leaves through the same cleanup.
static void guard_fail(jpeg_guard *g, int status, const char *fmt, ...) {
    g->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->message, sizeof g->message, fmt, ap);
    va_end(ap);
    longjmp(g->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) {
    jpeg_guard *g = (jpeg_guard *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    int code = cinfo->err->msg_code;
    int status = (code == JERR_INPUT_EMPTY || code == JERR_INPUT_EOF) ? INSPECTD_TRUNCATED
               : (code == JERR_OUT_OF_MEMORY) ? INSPECTD_OUT_OF_MEMORY
               : INSPECTD_CORRUPT;
    guard_fail(g, status, "%s", text);
}

/// libjpeg's warnings mean the pixels are not what the file intended (a truncated file gets
/// grey rows, corrupt entropy data gets smeared blocks), so each one ends the decode. The
/// only exception is an unknown JFIF revision, which says nothing about the pixels.
static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;  // trace output
    jpeg_guard *g = (jpeg_guard *)cinfo->client_data;
    g->warnings += 1;
    cinfo->err->num_warnings += 1;
    int code = cinfo->err->msg_code;
    if (code == JWRN_JFIF_MAJOR) return;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    int status = (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) ? INSPECTD_TRUNCATED
                                                                     : INSPECTD_CORRUPT;
    guard_fail(g, status, "%s", text);
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > MAX_JPEG_SCANS) {
        guard_fail((jpeg_guard *)cinfo->client_data, INSPECTD_CORRUPT,
                   "JPEG has more than %d scans", MAX_JPEG_SCANS);
    }
}

static int map_color_space(J_COLOR_SPACE cs) {
    switch (cs) {
    case JCS_GRAYSCALE: return INSPECTD_JCS_GRAYSCALE;
    case JCS_RGB: return INSPECTD_JCS_RGB;
    case JCS_YCbCr: return INSPECTD_JCS_YCBCR;
    case JCS_CMYK: return INSPECTD_JCS_CMYK;
    case JCS_YCCK: return INSPECTD_JCS_YCCK;
    default: return INSPECTD_JCS_UNKNOWN;
    }
}

static uint8_t mul255(unsigned a, unsigned b) { return (uint8_t)((a * b + 127u) / 255u); }

/// Adobe (Photoshop) stores CMYK inverted, 255 meaning no ink, so R = C·K/255 there and
/// (255−C)(255−K)/255 for plain CMYK.
static void cmyk_row_to_rgb(const uint8_t *src, uint8_t *dst, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = src[0], m = src[1], y = src[2], k = src[3];
        if (!inverted) { c = 255u - c; m = 255u - m; y = 255u - y; k = 255u - k; }
        dst[0] = mul255(c, k);
        dst[1] = mul255(m, k);
        dst[2] = mul255(y, k);
        src += 4;
        dst += 3;
    }
}

typedef struct jpeg_decoder {
    jpeg_guard guard;
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    int created;
    uint8_t *row;
} jpeg_decoder;

static void decoder_release(jpeg_decoder *d) {
    if (d->created) jpeg_destroy_decompress(&d->cinfo);
    free(d->row);
    free(d);
}

int inspectd_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                         uint8_t *out, size_t out_capacity, inspectd_image_info *info,
                         char *err, size_t err_len) {
    if (info == NULL || (data == NULL && size > 0)) {
        set_message(err, err_len, "invalid arguments");
        return INSPECTD_BAD_ARGUMENT;
    }
    memset(info, 0, sizeof *info);
    if (size == 0) {
        set_message(err, err_len, "no data");
        return INSPECTD_TRUNCATED;
    }
    if ((uint64_t)size > (uint64_t)ULONG_MAX) {
        set_message(err, err_len, "input too large");
        return INSPECTD_BAD_ARGUMENT;
    }

    // Heap state: everything the code after setjmp modifies lives behind this pointer, which
    // itself is never reassigned, so it is valid after a longjmp.
    jpeg_decoder *const d = calloc(1, sizeof *d);
    if (d == NULL) {
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    d->cinfo.err = jpeg_std_error(&d->jerr);
    d->jerr.error_exit = on_error_exit;
    d->jerr.emit_message = on_emit_message;
    d->jerr.output_message = on_output_message;
    d->cinfo.client_data = &d->guard;

    if (setjmp(d->guard.jump)) {
        int status = d->guard.status;
        copy_message(err, err_len, d->guard.message);
        decoder_release(d);
        return status;
    }

    jpeg_create_decompress(&d->cinfo);
    d->created = 1;
    d->progress.progress_monitor = on_progress;
    d->cinfo.progress = &d->progress;
    jpeg_mem_src(&d->cinfo, data, (unsigned long)size);
    jpeg_read_header(&d->cinfo, TRUE);

    const uint32_t width = d->cinfo.image_width;
    const uint32_t height = d->cinfo.image_height;
    info->width = width;
    info->height = height;
    info->jpeg_progressive = d->cinfo.progressive_mode ? 1 : 0;
    info->jpeg_arithmetic = d->cinfo.arith_code ? 1 : 0;
    info->jpeg_color_space = map_color_space(d->cinfo.jpeg_color_space);
    info->jpeg_components = d->cinfo.num_components;
    info->jpeg_adobe_marker = d->cinfo.saw_Adobe_marker ? 1 : 0;
    info->jpeg_adobe_transform = d->cinfo.Adobe_transform;

    if (width == 0 || height == 0) {
        guard_fail(&d->guard, INSPECTD_CORRUPT, "JPEG header has an empty size %ux%u", width, height);
    }
    const uint64_t pixels = (uint64_t)width * height;
    if (pixels > max_pixels) {
        guard_fail(&d->guard, INSPECTD_TOO_MANY_PIXELS, "%ux%u = %llu pixels exceeds the limit of %llu",
                   width, height, (unsigned long long)pixels, (unsigned long long)max_pixels);
    }
    if (pixels > SIZE_MAX / 4) {
        guard_fail(&d->guard, INSPECTD_TOO_MANY_PIXELS, "%ux%u does not fit in memory", width, height);
    }
    const size_t needed = (size_t)pixels * 3;
    if (out == NULL) {
        decoder_release(d);
        return INSPECTD_NEED_BUFFER;
    }
    if (out_capacity < needed) {
        guard_fail(&d->guard, INSPECTD_BAD_ARGUMENT, "output buffer of %zu bytes, need %zu",
                   out_capacity, needed);
    }

    int cmyk = 0;
    switch (d->cinfo.jpeg_color_space) {
    case JCS_CMYK:
    case JCS_YCCK:
        // libjpeg turns YCCK into CMYK itself; CMYK → RGB is ours.
        d->cinfo.out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    case JCS_GRAYSCALE:
    case JCS_RGB:
    case JCS_YCbCr:
        d->cinfo.out_color_space = JCS_RGB;  // gray is replicated by libjpeg-turbo
        break;
    default:
        guard_fail(&d->guard, INSPECTD_UNSUPPORTED, "unsupported JPEG colour space with %d components",
                   d->cinfo.num_components);
    }

    // Multi-scan files buffer every coefficient (2 bytes per sample, blocks padded to the MCU);
    // cap libjpeg's working memory at twice that plus slack so a lying header cannot make it
    // allocate beyond what the pixel budget implies.
    {
        uint64_t comps = (uint64_t)(d->cinfo.num_components > 0 ? d->cinfo.num_components : 1);
        uint64_t budget = ((uint64_t)width + 64) * ((uint64_t)height + 64) * comps * 4 + (64u << 20);
        d->cinfo.mem->max_memory_to_use = budget > (uint64_t)LONG_MAX ? LONG_MAX : (long)budget;
    }

    jpeg_start_decompress(&d->cinfo);
    const int expected_components = cmyk ? 4 : 3;
    if (d->cinfo.output_width != width || d->cinfo.output_height != height ||
        d->cinfo.output_components != expected_components) {
        guard_fail(&d->guard, INSPECTD_CORRUPT, "unexpected decoder output %ux%u with %d components",
                   d->cinfo.output_width, d->cinfo.output_height, d->cinfo.output_components);
    }
    if (cmyk) {
        d->row = malloc((size_t)width * 4);
        if (d->row == NULL) guard_fail(&d->guard, INSPECTD_OUT_OF_MEMORY, "out of memory");
    }
    const int inverted = d->cinfo.saw_Adobe_marker ? 1 : 0;
    while (d->cinfo.output_scanline < height) {
        const uint32_t y = d->cinfo.output_scanline;
        uint8_t *target = out + (size_t)y * width * 3;
        JSAMPROW row = cmyk ? d->row : target;
        if (jpeg_read_scanlines(&d->cinfo, &row, 1) != 1) {
            guard_fail(&d->guard, INSPECTD_TRUNCATED, "decoder stopped at row %u of %u", y, height);
        }
        if (cmyk) cmyk_row_to_rgb(d->row, target, width, inverted);
    }
    jpeg_finish_decompress(&d->cinfo);
    decoder_release(d);
    return INSPECTD_OK;
}

// MARK: encoding

/// Growable output for the compressor; libjpeg fills it, we double it when full.
typedef struct jpeg_memory_dest {
    struct jpeg_destination_mgr pub;
    uint8_t *buffer;
    size_t capacity;
    size_t length;
} jpeg_memory_dest;

static void dest_init(j_compress_ptr cinfo) {
    jpeg_memory_dest *dest = (jpeg_memory_dest *)cinfo->dest;
    dest->pub.next_output_byte = dest->buffer;
    dest->pub.free_in_buffer = dest->capacity;
}

static boolean dest_empty(j_compress_ptr cinfo) {
    jpeg_memory_dest *dest = (jpeg_memory_dest *)cinfo->dest;
    size_t used = dest->capacity;  // libjpeg only calls this when the buffer is full
    if (dest->capacity > SIZE_MAX / 2) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
    size_t bigger = dest->capacity * 2;
    uint8_t *grown = realloc(dest->buffer, bigger);
    if (grown == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 2);
    dest->buffer = grown;
    dest->capacity = bigger;
    dest->pub.next_output_byte = grown + used;
    dest->pub.free_in_buffer = bigger - used;
    return TRUE;
}

static void dest_term(j_compress_ptr cinfo) {
    jpeg_memory_dest *dest = (jpeg_memory_dest *)cinfo->dest;
    dest->length = dest->capacity - dest->pub.free_in_buffer;
}

typedef struct jpeg_encoder {
    jpeg_guard guard;
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jpeg_memory_dest dest;
    int created;
} jpeg_encoder;

static void encoder_release(jpeg_encoder *e) {
    if (e->created) jpeg_destroy_compress(&e->cinfo);
    free(e->dest.buffer);
    free(e);
}

int inspectd_jpeg_encode(const uint8_t *pixels, size_t pixels_len, uint32_t width, uint32_t height,
                         int components, int quality, int flags,
                         uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    if (out == NULL || out_len == NULL || pixels == NULL || width == 0 || height == 0 ||
        width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
        (components != 1 && components != 3 && components != 4) || quality < 1 || quality > 100) {
        set_message(err, err_len, "invalid arguments");
        return INSPECTD_BAD_ARGUMENT;
    }
    *out = NULL;
    *out_len = 0;
    const size_t stride = (size_t)width * (size_t)components;
    if (pixels_len / stride < height || pixels_len != stride * height) {
        set_message(err, err_len, "pixel buffer of %zu bytes does not match %ux%ux%d", pixels_len,
                    width, height, components);
        return INSPECTD_BAD_ARGUMENT;
    }

    jpeg_encoder *const e = calloc(1, sizeof *e);
    if (e == NULL) {
        set_message(err, err_len, "out of memory");
        return INSPECTD_OUT_OF_MEMORY;
    }
    e->cinfo.err = jpeg_std_error(&e->jerr);
    e->jerr.error_exit = on_error_exit;
    e->jerr.emit_message = on_emit_message;
    e->jerr.output_message = on_output_message;
    e->cinfo.client_data = &e->guard;

    if (setjmp(e->guard.jump)) {
        int status = e->guard.status == INSPECTD_OUT_OF_MEMORY ? INSPECTD_OUT_OF_MEMORY : INSPECTD_BAD_ARGUMENT;
        copy_message(err, err_len, e->guard.message);
        encoder_release(e);
        return status;
    }

    jpeg_create_compress(&e->cinfo);
    e->created = 1;
    e->dest.capacity = 1u << 16;
    e->dest.buffer = malloc(e->dest.capacity);
    if (e->dest.buffer == NULL) guard_fail(&e->guard, INSPECTD_OUT_OF_MEMORY, "out of memory");
    e->dest.pub.init_destination = dest_init;
    e->dest.pub.empty_output_buffer = dest_empty;
    e->dest.pub.term_destination = dest_term;
    e->cinfo.dest = &e->dest.pub;

    e->cinfo.image_width = width;
    e->cinfo.image_height = height;
    e->cinfo.input_components = components;
    e->cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&e->cinfo);
    jpeg_set_quality(&e->cinfo, quality, TRUE);
    if (components == 4) {
        jpeg_set_colorspace(&e->cinfo, (flags & INSPECTD_JPEG_YCCK) ? JCS_YCCK : JCS_CMYK);
        if ((flags & INSPECTD_JPEG_NO_ADOBE) && !(flags & INSPECTD_JPEG_YCCK)) {
            e->cinfo.write_Adobe_marker = FALSE;
        }
    }
    if (flags & INSPECTD_JPEG_NO_SUBSAMPLING) {
        for (int c = 0; c < e->cinfo.num_components; c++) {
            e->cinfo.comp_info[c].h_samp_factor = 1;
            e->cinfo.comp_info[c].v_samp_factor = 1;
        }
    }
    if (flags & INSPECTD_JPEG_PROGRESSIVE) jpeg_simple_progression(&e->cinfo);

    jpeg_start_compress(&e->cinfo, TRUE);
    while (e->cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)e->cinfo.next_scanline * stride);
        jpeg_write_scanlines(&e->cinfo, &row, 1);
    }
    jpeg_finish_compress(&e->cinfo);

    *out = e->dest.buffer;
    *out_len = e->dest.length;
    e->dest.buffer = NULL;  // ownership moves to the caller
    encoder_release(e);
    return INSPECTD_OK;
}
