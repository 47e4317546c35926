#pragma once
// Writing images through Qt's image writers (QtGui only, no torch): 8-bit RGB as PNG or JPEG
// (chosen by the file's extension), and single-channel 16-bit PNG, the format of depth maps in
// millimetres. Written to a temporary name and renamed when complete. Throws MediaError naming
// the file when it cannot be written.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::media {

void save_rgb_image(const std::string& path, int width, int height, const std::vector<uint8_t>& rgb, int jpeg_quality = 90);
void save_gray16_png(const std::string& path, int width, int height, const std::vector<uint16_t>& values);

}  // namespace ibllm::media
