#include "media/image/image_file.h"

#include <QBuffer>
#include <QByteArray>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QRgba64>

#include <filesystem>
#include <mutex>
#include <system_error>

#include "media/media_error.h"

namespace ibllm::media {
namespace {

// Photos from modern cameras exceed Qt's default 128 MB decode budget once expanded to
// 32-bit pixels; 1 GB still refuses absurd (malicious) dimensions.
constexpr int kAllocationLimitMb = 1024;

QByteArray read_whole_file(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path fs_path(path);
    if (!std::filesystem::exists(fs_path, ec))
        throw MediaError(path + " does not exist; check the path and choose an existing image file.");
    if (std::filesystem::is_directory(fs_path, ec))
        throw MediaError(path + " is a folder, not an image; choose an image file inside it.");
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        throw MediaError(path + " cannot be opened (" + file.errorString().toStdString() +
                         "); check that you may read it.");
    QByteArray bytes = file.readAll();
    if (bytes.isEmpty())
        throw MediaError(path + " is empty (0 bytes); export or download the image again.");
    return bytes;
}

uint8_t byte_at(const QByteArray& data, qsizetype i) { return static_cast<uint8_t>(data[i]); }

// libjpeg (and so Qt) silently pads a truncated JPEG with grey and only prints a warning,
// whereas PIL refuses it ("image file is truncated"). To fail as the reference does, check
// that an end-of-image marker follows the first scan. Markers are walked by their lengths
// so that an EXIF thumbnail (a complete JPEG inside APP1) is skipped; after the scan header
// FF D9 can only be the real end marker, because entropy-coded data stuffs every FF byte.
bool is_truncated_jpeg(const QByteArray& data) {
    const qsizetype n = data.size();
    if (n < 3 || byte_at(data, 0) != 0xFF || byte_at(data, 1) != 0xD8 || byte_at(data, 2) != 0xFF)
        return false;  // not a JPEG: the reader decides
    qsizetype pos = 2;
    while (pos + 1 < n) {
        if (byte_at(data, pos) != 0xFF) return false;  // malformed: leave the verdict to libjpeg
        const uint8_t marker = byte_at(data, pos + 1);
        if (marker == 0xFF) {  // fill byte before a marker
            ++pos;
            continue;
        }
        if (marker == 0xD9) return false;  // EOI before any scan: libjpeg will reject it
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (pos + 3 >= n) return true;
        const qsizetype length = (qsizetype(byte_at(data, pos + 2)) << 8) | byte_at(data, pos + 3);
        if (marker == 0xDA) {
            for (qsizetype i = pos + 2 + length; i + 1 < n; ++i)
                if (byte_at(data, i) == 0xFF && byte_at(data, i + 1) == 0xD9) return false;
            return true;
        }
        pos += 2 + length;
    }
    return true;  // the file ends inside its headers
}

QImage decode(const std::string& path) {
    QByteArray bytes = read_whole_file(path);
    if (is_truncated_jpeg(bytes))
        throw MediaError(path + " is a truncated JPEG (its end is missing); copy or download it again.");

    static std::once_flag raise_limit;
    std::call_once(raise_limit, [] {
        if (QImageReader::allocationLimit() < kAllocationLimitMb) QImageReader::setAllocationLimit(kAllocationLimitMb);
    });
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setDecideFormatFromContent(true);
    // PIL's Image.open() ignores the EXIF orientation; so must we, for parity.
    reader.setAutoTransform(false);
    // Qt's JPEG reader switches to the fast integer IDCT below quality 50; PIL always uses
    // the accurate one (ISLOW), so ask for full quality.
    reader.setQuality(100);
    QImage image;
    if (!reader.read(&image) || image.isNull()) {
        if (reader.error() == QImageReader::UnsupportedFormatError)
            throw MediaError(path + " is not an image format this app can read; convert it to PNG or JPEG.");
        throw MediaError(path + " could not be decoded (" + reader.errorString().toStdString() +
                         "); the file is corrupt or incomplete, so export or download it again.");
    }
    return image;
}

bool is_16bit_rgb(QImage::Format f) {
    return f == QImage::Format_RGBX64 || f == QImage::Format_RGBA64 || f == QImage::Format_RGBA64_Premultiplied;
}

// PIL reads a 16-bit-per-channel RGB(A) PNG as 8-bit by keeping each sample's high byte
// (rawmode "RGB;16B"); Qt would round instead, so read the 16-bit samples directly.
RgbImage rgb_from_16bit(const QImage& source) {
    const QImage image = source.format() == QImage::Format_RGBA64_Premultiplied
                             ? source.convertToFormat(QImage::Format_RGBA64)
                             : source;
    RgbImage out{image.width(), image.height(), {}};
    out.rgb.resize(size_t(out.width) * out.height * 3);
    for (int y = 0; y < out.height; ++y) {
        const auto* row = reinterpret_cast<const QRgba64*>(image.constScanLine(y));
        uint8_t* dst = out.rgb.data() + size_t(y) * out.width * 3;
        for (int x = 0; x < out.width; ++x) {
            dst[3 * x + 0] = uint8_t(row[x].red() >> 8);
            dst[3 * x + 1] = uint8_t(row[x].green() >> 8);
            dst[3 * x + 2] = uint8_t(row[x].blue() >> 8);
        }
    }
    return out;
}

// 16-bit grey as RGB: the high byte of each sample, like PIL's 16-bit RGB path above (a
// 16-bit depth map opened as a photo is dark but not clipped).
RgbImage rgb_from_grey16(const QImage& image) {
    RgbImage out{image.width(), image.height(), {}};
    out.rgb.resize(size_t(out.width) * out.height * 3);
    for (int y = 0; y < out.height; ++y) {
        const auto* row = reinterpret_cast<const uint16_t*>(image.constScanLine(y));
        uint8_t* dst = out.rgb.data() + size_t(y) * out.width * 3;
        for (int x = 0; x < out.width; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = uint8_t(row[x] >> 8);
    }
    return out;
}

RgbImage rgb_from_qimage(const QImage& source) {
    if (is_16bit_rgb(source.format())) return rgb_from_16bit(source);
    if (source.format() == QImage::Format_Grayscale16) return rgb_from_grey16(source);
    // Non-premultiplied ARGB keeps each pixel's colour as stored; reading qRed/qGreen/qBlue
    // and ignoring alpha is exactly PIL's RGBA -> RGB (alpha dropped, no compositing).
    const QImage image = source.format() == QImage::Format_RGB32 || source.format() == QImage::Format_ARGB32
                             ? source
                             : source.convertToFormat(source.hasAlphaChannel() ? QImage::Format_ARGB32
                                                                                : QImage::Format_RGB32);
    RgbImage out{image.width(), image.height(), {}};
    out.rgb.resize(size_t(out.width) * out.height * 3);
    for (int y = 0; y < out.height; ++y) {
        const auto* row = reinterpret_cast<const QRgb*>(image.constScanLine(y));
        uint8_t* dst = out.rgb.data() + size_t(y) * out.width * 3;
        for (int x = 0; x < out.width; ++x) {
            dst[3 * x + 0] = uint8_t(qRed(row[x]));
            dst[3 * x + 1] = uint8_t(qGreen(row[x]));
            dst[3 * x + 2] = uint8_t(qBlue(row[x]));
        }
    }
    return out;
}

// PIL's RGB -> L conversion: ITU-R 601-2 luma in 16.16 fixed point, rounded. The weights sum
// to exactly 65536, so grey stored as RGB comes back unchanged.
uint32_t pil_luma(uint32_t r, uint32_t g, uint32_t b) { return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16; }

}  // namespace

RgbImage load_rgb_image(const std::string& path) { return rgb_from_qimage(decode(path)); }

GrayImage load_gray_image(const std::string& path) {
    const QImage image = decode(path);
    GrayImage out;
    out.width = image.width();
    out.height = image.height();
    out.values.resize(size_t(out.width) * out.height);
    const QImage::Format format = image.format();

    if (format == QImage::Format_Grayscale16) {
        out.bits = 16;
        for (int y = 0; y < out.height; ++y) {
            const auto* row = reinterpret_cast<const uint16_t*>(image.constScanLine(y));
            std::copy(row, row + out.width, out.values.begin() + size_t(y) * out.width);
        }
        return out;
    }
    if (is_16bit_rgb(format)) {
        // 16-bit colour (rare for depth or thermal): keep 16 bits, reduce to luma.
        out.bits = 16;
        const QImage rgba = format == QImage::Format_RGBA64_Premultiplied ? image.convertToFormat(QImage::Format_RGBA64)
                                                                          : image;
        for (int y = 0; y < out.height; ++y) {
            const auto* row = reinterpret_cast<const QRgba64*>(rgba.constScanLine(y));
            for (int x = 0; x < out.width; ++x)
                out.values[size_t(y) * out.width + x] =
                    uint16_t(pil_luma(row[x].red(), row[x].green(), row[x].blue()));
        }
        return out;
    }
    out.bits = 8;
    if (format == QImage::Format_Grayscale8) {
        for (int y = 0; y < out.height; ++y) {
            const uint8_t* row = image.constScanLine(y);
            std::copy(row, row + out.width, out.values.begin() + size_t(y) * out.width);
        }
        return out;
    }
    const RgbImage rgb = rgb_from_qimage(image);
    for (size_t i = 0; i < out.values.size(); ++i)
        out.values[i] = uint16_t(pil_luma(rgb.rgb[3 * i], rgb.rgb[3 * i + 1], rgb.rgb[3 * i + 2]));
    return out;
}

}  // namespace ibllm::media
