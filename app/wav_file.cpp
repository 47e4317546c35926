#include "app/wav_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

namespace ibllm::app {
namespace {

// WAV is little-endian whatever the machine; write byte by byte rather than assume.
void put16(std::ofstream& f, uint16_t v) {
    const char b[2] = {char(v & 0xff), char(v >> 8)};
    f.write(b, 2);
}
void put32(std::ofstream& f, uint32_t v) {
    const char b[4] = {char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)};
    f.write(b, 4);
}
uint32_t get32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }
uint16_t get16(const unsigned char* p) { return uint16_t(p[0] | (p[1] << 8)); }

}  // namespace

bool write_wav_pcm16(const std::string& path, const std::vector<float>& samples, int sample_rate, int channels) {
    if (channels < 1 || samples.size() % size_t(channels) != 0) return false;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    const uint32_t dataBytes = uint32_t(samples.size() * 2);
    f.write("RIFF", 4);
    put32(f, 36 + dataBytes);
    f.write("WAVEfmt ", 8);
    put32(f, 16);                      // fmt chunk size
    put16(f, 1);                       // PCM
    put16(f, uint16_t(channels));
    put32(f, uint32_t(sample_rate));
    put32(f, uint32_t(sample_rate) * 2 * uint32_t(channels));  // bytes per second
    put16(f, uint16_t(2 * channels));  // block align
    put16(f, 16);                      // bits per sample
    f.write("data", 4);
    put32(f, dataBytes);
    for (float s : samples) {
        const float clipped = std::isfinite(s) ? std::clamp(s, -1.0f, 1.0f) : 0.0f;
        put16(f, uint16_t(int16_t(std::lround(clipped * 32767.0f))));
    }
    return bool(f.flush());
}

bool read_wav_pcm16(const std::string& path, WavPcm16& out) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) return false;
    const std::streamoff file_size = f.tellg();
    f.seekg(0);
    // A chunk can hold no more than what is left of the file: a corrupt size field (found by
    // fuzzing: 4 GB announced in a 40-byte file) must fail the read, not allocate it.
    const auto fits = [&](uint32_t size) { return f.tellg() >= 0 && std::streamoff(size) <= file_size - f.tellg(); };
    unsigned char header[12];
    if (!f.read(reinterpret_cast<char*>(header), 12) || std::memcmp(header, "RIFF", 4) != 0 ||
        std::memcmp(header + 8, "WAVE", 4) != 0)
        return false;
    bool haveFormat = false;
    unsigned char chunk[8];
    while (f.read(reinterpret_cast<char*>(chunk), 8)) {
        const uint32_t size = get32(chunk + 4);
        if (std::memcmp(chunk, "fmt ", 4) == 0) {
            if (!fits(size)) return false;
            std::vector<unsigned char> fmt(size);
            if (size < 16 || !f.read(reinterpret_cast<char*>(fmt.data()), size)) return false;
            if (get16(fmt.data()) != 1) return false;  // PCM only
            out.channels = get16(fmt.data() + 2);
            out.sample_rate = int(get32(fmt.data() + 4));
            out.bits_per_sample = get16(fmt.data() + 14);
            haveFormat = out.bits_per_sample == 16;
        } else if (std::memcmp(chunk, "data", 4) == 0) {
            if (!haveFormat || !fits(size)) return false;
            std::vector<unsigned char> data(size);
            if (!f.read(reinterpret_cast<char*>(data.data()), size)) return false;
            out.samples.resize(size / 2);
            for (size_t i = 0; i < out.samples.size(); ++i) out.samples[i] = int16_t(get16(&data[2 * i]));
            return true;
        } else {
            f.seekg(size + (size & 1), std::ios::cur);  // chunks are padded to even sizes
        }
    }
    return false;
}

}  // namespace ibllm::app
