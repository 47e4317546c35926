// libFuzzer harness: the WAV reader of recordings (app/wav_file) on any bytes, and the writer
// and reader round trip: the first bytes choose the rate and channels, the rest are float
// samples (NaN and infinities included), which must come back exactly as 16-bit PCM rounds
// them.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "app/wav_file.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    {
        const MemoryFile in(data, size);
        ibllm::app::WavPcm16 read;
        if (in.ok()) (void)ibllm::app::read_wav_pcm16(in.path(), read);
    }

    if (size < 8) return 0;
    uint32_t rate_bits = 0;
    std::memcpy(&rate_bits, data, 4);
    const int rate = 1 + static_cast<int>(rate_bits % 192000);
    const int channels = 1 + data[4] % 8;
    std::vector<float> samples((size - 8) / 4);
    if (!samples.empty()) std::memcpy(samples.data(), data + 8, samples.size() * 4);
    samples.resize(samples.size() / channels * channels);
    const MemoryFile out(nullptr, 0);
    if (!out.ok()) return 0;
    if (!ibllm::app::write_wav_pcm16(out.path(), samples, rate, channels)) __builtin_trap();
    ibllm::app::WavPcm16 back;
    if (!ibllm::app::read_wav_pcm16(out.path(), back)) __builtin_trap();
    if (back.sample_rate != rate || back.channels != channels || back.bits_per_sample != 16 ||
        back.samples.size() != samples.size())
        __builtin_trap();
    for (size_t i = 0; i < samples.size(); ++i) {
        const float s = std::isfinite(samples[i]) ? std::clamp(samples[i], -1.0f, 1.0f) : 0.0f;
        if (back.samples[i] != static_cast<int16_t>(std::lround(s * 32767.0f))) __builtin_trap();
    }
    return 0;
}
