#pragma once
// A sound's outline for drawing a waveform: per column of the drawing, the lowest and the
// highest sample in that stretch of time. Decoded as a stream and reduced on the way, so an
// hour of audio needs no more memory than a second of it (decode_audio would hold it all).
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::media {

struct AudioEnvelope {
    int sample_rate = 0;
    int channels = 0;
    int64_t frames = 0;         // samples per channel that decoded
    double duration_s = 0.0;    // frames / sample_rate
    std::vector<float> low;     // per column, the smallest sample of any channel (-1..1 for PCM)
    std::vector<float> high;    // per column, the largest
    float peak = 0.0f;          // the largest |sample| of the whole file
};

// Decodes the audio stream of `path` (the samples scaled as decode_audio scales them) and
// reduces it to `columns` min/max pairs over equal stretches of time, each stretch exact to
// within 1/16 of its length; fewer columns when the file has fewer samples. Throws
// MediaError like decode_audio for files that cannot be opened, have no audio stream, or
// have no audio that decodes; std::invalid_argument for columns < 1.
AudioEnvelope audio_envelope(const std::string& path, int columns);

}  // namespace ibllm::media
