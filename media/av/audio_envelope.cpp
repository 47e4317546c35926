#include "media/av/audio_envelope.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "media/av/ffmpeg_input.h"

namespace ibllm::media {
namespace {

using namespace ffmpeg;

// Min/max over blocks of samples. Whenever the blocks reach `cap`, neighbours are merged and
// the block length doubles, so memory is bounded without knowing the length in advance and
// every column later gets at least cap / 2 / columns blocks.
class EnvelopeBuilder {
public:
    explicit EnvelopeBuilder(int columns) : cap_(std::max<size_t>(size_t(columns) * 32, 64)) {}

    void add(float lo, float hi) {
        lo_ = std::min(lo_, lo);
        hi_ = std::max(hi_, hi);
        peak_ = std::max({peak_, std::abs(lo), std::abs(hi)});
        ++frames_;
        if (++in_block_ == block_) close_block();
    }

    int64_t frames() const { return frames_; }

    void finish(int columns, AudioEnvelope& out) {
        if (in_block_ > 0) close_block();  // a shorter last block
        const size_t blocks = lows_.size();
        const size_t n = std::min(size_t(columns), blocks);
        out.low.assign(n, 0.0f);
        out.high.assign(n, 0.0f);
        for (size_t j = 0; j < n; ++j) {
            const size_t from = j * blocks / n, to = (j + 1) * blocks / n;
            out.low[j] = *std::min_element(lows_.begin() + ptrdiff_t(from), lows_.begin() + ptrdiff_t(to));
            out.high[j] = *std::max_element(highs_.begin() + ptrdiff_t(from), highs_.begin() + ptrdiff_t(to));
        }
        out.peak = peak_;
        out.frames = frames_;
    }

private:
    void close_block() {
        lows_.push_back(lo_);
        highs_.push_back(hi_);
        lo_ = std::numeric_limits<float>::infinity();
        hi_ = -std::numeric_limits<float>::infinity();
        in_block_ = 0;
        if (lows_.size() < cap_) return;
        for (size_t k = 0; k < cap_ / 2; ++k) {
            lows_[k] = std::min(lows_[2 * k], lows_[2 * k + 1]);
            highs_[k] = std::max(highs_[2 * k], highs_[2 * k + 1]);
        }
        lows_.resize(cap_ / 2);
        highs_.resize(cap_ / 2);
        block_ *= 2;
    }

    size_t cap_;
    int64_t block_ = 1, in_block_ = 0, frames_ = 0;
    float lo_ = std::numeric_limits<float>::infinity(), hi_ = -std::numeric_limits<float>::infinity();
    float peak_ = 0.0f;
    std::vector<float> lows_, highs_;
};

// The same scalings as decode_audio (torchaudio.load's): int16 / 32768, int32 / 2^31, ...
float to_float(uint8_t v) { return (float(v) - 128.f) / 128.f; }
float to_float(int16_t v) { return float(v) / 32768.f; }
float to_float(int32_t v) { return float(double(v) / 2147483648.0); }
float to_float(int64_t v) { return float(double(v) / 9223372036854775808.0); }
float to_float(float v) { return v; }
float to_float(double v) { return float(v); }

template <typename T>
void add_samples(const AVFrame* frame, bool planar, EnvelopeBuilder& env) {
    const int channels = frame->ch_layout.nb_channels;
    for (int i = 0; i < frame->nb_samples; ++i) {
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        for (int c = 0; c < channels; ++c) {
            const T* at = planar ? reinterpret_cast<const T*>(frame->extended_data[c]) + i
                                 : reinterpret_cast<const T*>(frame->extended_data[0]) + ptrdiff_t(i) * channels + c;
            const float v = to_float(*at);
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        env.add(lo, hi);
    }
}

void add_frame(const AVFrame* frame, EnvelopeBuilder& env) {
    if (frame->nb_samples <= 0 || frame->ch_layout.nb_channels <= 0) return;
    const auto fmt = static_cast<AVSampleFormat>(frame->format);
    const bool planar = av_sample_fmt_is_planar(fmt);
    switch (av_get_packed_sample_fmt(fmt)) {
        case AV_SAMPLE_FMT_U8: add_samples<uint8_t>(frame, planar, env); break;
        case AV_SAMPLE_FMT_S16: add_samples<int16_t>(frame, planar, env); break;
        case AV_SAMPLE_FMT_S32: add_samples<int32_t>(frame, planar, env); break;
        case AV_SAMPLE_FMT_S64: add_samples<int64_t>(frame, planar, env); break;
        case AV_SAMPLE_FMT_FLT: add_samples<float>(frame, planar, env); break;
        case AV_SAMPLE_FMT_DBL: add_samples<double>(frame, planar, env); break;
        default: break;  // no decoder outputs anything else
    }
}

}  // namespace

AudioEnvelope audio_envelope(const std::string& path, int columns) {
    if (columns < 1) throw std::invalid_argument("audio_envelope: columns must be positive");
    FormatPtr fmt = open_media(path);
    const std::string name = display_name(path);
    const int index = require_audio_stream(fmt.get(), path);
    CodecPtr dec = open_decoder(fmt.get(), index, path);

    AudioEnvelope out;
    EnvelopeBuilder env(columns);
    FramePtr frame = make_frame();
    PacketPtr packet = make_packet();
    int decode_errors = 0;
    auto drain = [&] {
        for (;;) {
            const int rc = avcodec_receive_frame(dec.get(), frame.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            if (rc < 0) {
                ++decode_errors;  // a damaged packet: skipped, as players do
                return;
            }
            if (out.sample_rate == 0) {
                out.sample_rate = frame->sample_rate;
                out.channels = frame->ch_layout.nb_channels;
            }
            add_frame(frame.get(), env);
            av_frame_unref(frame.get());
        }
    };
    for (;;) {
        const int rc = av_read_frame(fmt.get(), packet.get());
        if (rc < 0) break;  // the end, or damage after which nothing more can be read
        if (packet->stream_index == index) {
            if (avcodec_send_packet(dec.get(), packet.get()) < 0) ++decode_errors;
            drain();
        }
        av_packet_unref(packet.get());
    }
    avcodec_send_packet(dec.get(), nullptr);
    drain();

    if (env.frames() == 0) {
        if (decode_errors > 0) throw MediaError(name + " is damaged: none of its audio could be decoded; export or download it again.");
        throw MediaError(name + " contains no audio samples; choose a file with sound in it.");
    }
    env.finish(columns, out);
    out.duration_s = out.sample_rate > 0 ? double(out.frames) / out.sample_rate : 0.0;
    return out;
}

}  // namespace ibllm::media
