#pragma once
// A minimal RIFF/WAVE writer and reader for the microphone's recordings (and the tests' sound
// files): float samples in [-1, 1] stored as 16-bit PCM (what every audio player and the
// audio decoder read).
// Plain C++ so that it needs neither Qt nor torch.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::app {

// Writes `samples` (clipped to [-1, 1]; `channels` interleaved, mono by default) as a 16-bit
// PCM WAV at `sample_rate`. Returns false when the file cannot be written.
bool write_wav_pcm16(const std::string& path, const std::vector<float>& samples, int sample_rate, int channels = 1);

struct WavPcm16 {
    int channels = 0;
    int sample_rate = 0;
    int bits_per_sample = 0;
    std::vector<int16_t> samples;  // interleaved
};
// Reads a 16-bit PCM WAV as written above (skips chunks other than "fmt " and "data").
// Returns false when the file is missing or is not 16-bit PCM WAV.
bool read_wav_pcm16(const std::string& path, WavPcm16& out);

}  // namespace ibllm::app
