#pragma once
// Decodes the audio of any file FFmpeg reads (wav, mp3, ogg/vorbis, opus, flac, m4a/aac, the
// sound track of a video, ...) to float PCM. PCM input converts exactly as torchaudio.load
// does (int16 / 32768, ...), so a WAV decodes bit-identically to the reference loader.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::media {

struct DecodedAudio {
    int sample_rate = 0;
    int channels = 0;
    int64_t frames = 0;          // samples per channel
    std::vector<float> samples;  // planar, channel-major: [channels][frames]
};

// target_rate 0 keeps the file's rate; another rate converts with libswresample (for the live
// and user paths; parity with the reference resamples with the engine's torchaudio-equivalent
// resampler instead). max_channels > 0 keeps only the first max_channels channels (no mixing:
// the reference analyses channel 0). Throws MediaError naming the file when it is missing,
// empty, not a media file, truncated or damaged, uses a codec this FFmpeg lacks, or has no
// audio stream.
DecodedAudio decode_audio(const std::string& path, int target_rate = 0, int max_channels = 0);

}  // namespace ibllm::media
