#include "media/image/image_writer.h"

#include <QtCore/QFile>
#include <QtGui/QImage>

#include <cstring>

#include "media/media_error.h"

namespace ibllm::media {

namespace {

void save(const QImage& image, const std::string& path, const char* format, int quality) {
    const QString tmp = QString::fromStdString(path + ".tmp");
    if (!image.save(tmp, format, quality)) {
        QFile::remove(tmp);
        throw MediaError("Could not write " + path + "; check that the folder exists, is writable and has free space.");
    }
    QFile::remove(QString::fromStdString(path));
    if (!QFile::rename(tmp, QString::fromStdString(path))) {
        QFile::remove(tmp);
        throw MediaError("Could not write " + path + "; check that the folder is writable.");
    }
}

std::string lower_extension(const std::string& path) {
    const size_t dot = path.rfind('.');
    std::string e = dot == std::string::npos ? "" : path.substr(dot + 1);
    for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

}  // namespace

void save_rgb_image(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb, int jpeg_quality) {
    if (width <= 0 || height <= 0 || rgb.size() != static_cast<size_t>(width) * height * 3)
        throw MediaError("An image for " + path + " has no pixels; nothing was written.");
    QImage image(width, height, QImage::Format_RGB888);
    for (int y = 0; y < height; ++y) std::memcpy(image.scanLine(y), rgb.data() + static_cast<size_t>(y) * width * 3, width * 3);
    const std::string ext = lower_extension(path);
    const bool jpeg = ext == "jpg" || ext == "jpeg";
    if (!jpeg && ext != "png") throw MediaError(path + ": images are written as .png or .jpg.");
    save(image, path, jpeg ? "JPG" : "PNG", jpeg ? jpeg_quality : -1);
}

void save_gray16_png(const std::string& path, int width, int height, const std::vector<uint16_t>& values) {
    if (width <= 0 || height <= 0 || values.size() != static_cast<size_t>(width) * height)
        throw MediaError("A depth map for " + path + " has no pixels; nothing was written.");
    QImage image(width, height, QImage::Format_Grayscale16);
    for (int y = 0; y < height; ++y)
        std::memcpy(image.scanLine(y), values.data() + static_cast<size_t>(y) * width, static_cast<size_t>(width) * 2);
    save(image, path, "PNG", -1);
}

}  // namespace ibllm::media
