#pragma once
// Decoding image files to plain pixel buffers through Qt's image readers (QtGui only, no
// torch). The pixels are meant to equal what the reference gets from PIL:
//  - JPEG goes through the system libjpeg-turbo with the same settings PIL uses (ISLOW IDCT,
//    fancy upsampling), so the decoded bytes match PIL's exactly;
//  - the EXIF orientation is NOT applied, because PIL's Image.open() does not apply it
//    either and the reference never calls ImageOps.exif_transpose();
//  - conversion to RGB follows PIL's convert("RGB"): alpha is dropped (not composited),
//    palettes and grey are expanded, 16-bit samples (colour or grey) keep their high byte.
// Every failure a user can cause (missing, empty, truncated, corrupt or unsupported file)
// throws media::MediaError with one sentence naming the file.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::media {

// 8-bit RGB pixels, row-major, interleaved (height x width x 3).
struct RgbImage {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;
};

// Single-channel pixels, row-major (height x width). `bits` is 16 for 16-bit files
// (e.g. depth maps in millimetres) and 8 otherwise; values are never rescaled.
struct GrayImage {
    int width = 0, height = 0;
    int bits = 8;
    std::vector<uint16_t> values;
};

// Decodes any image Qt can read (JPEG, PNG, BMP, GIF, PPM, ...) to RGB like PIL's
// Image.open(path).convert("RGB").
RgbImage load_rgb_image(const std::string& path);

// Decodes a single-channel image for depth or thermal input. 16-bit grey PNGs keep all 16
// bits; 8-bit grey stays 8-bit; a colour image is reduced to luma the way PIL's
// convert("L") does (ITU-R 601 weights, rounded), which leaves grey-as-RGB files unchanged.
GrayImage load_gray_image(const std::string& path);

}  // namespace ibllm::media
