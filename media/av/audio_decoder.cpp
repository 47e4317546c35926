#include "media/av/audio_decoder.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "media/av/ffmpeg_input.h"

namespace ibllm::media {
namespace {

using namespace ffmpeg;

struct SwrFreer {
    void operator()(SwrContext* s) const { swr_free(&s); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

// A WAV whose data chunk claims more bytes than the file holds was cut short. FFmpeg reads
// what is there and only flags the last packet, which it also does for streamed WAVs that
// declare an unknown size (0 or 0xFFFFFFFF), so the header decides, not the flag.
bool wav_is_truncated(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char riff[12];
    if (!in.read(riff, 12) || std::memcmp(riff, "RIFF", 4) != 0 || std::memcmp(riff + 8, "WAVE", 4) != 0) return false;
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(path, ec);
    if (ec) return false;
    uint64_t pos = 12;
    unsigned char head[8];
    while (pos + 8 <= file_size && in.seekg(static_cast<std::streamoff>(pos)) &&
           in.read(reinterpret_cast<char*>(head), 8)) {
        const uint32_t size = uint32_t(head[4]) | uint32_t(head[5]) << 8 | uint32_t(head[6]) << 16 | uint32_t(head[7]) << 24;
        if (std::memcmp(head, "data", 4) == 0) {
            if (size == 0 || size == 0xFFFFFFFFu) return false;  // streamed: length unknown
            // A few bytes short is a sloppy writer, not a cut file.
            return pos + 8 + size > file_size + 1024;
        }
        pos += 8 + uint64_t(size) + (size & 1u);
    }
    return false;
}

// Containers whose index says how many bytes each packet has: a short read there means the
// file ends before its data does.
bool short_read_means_truncated(const AVInputFormat* f) {
    const std::string name = f && f->name ? f->name : "";
    return name.find("mp4") != std::string::npos || name.find("matroska") != std::string::npos || name == "avi";
}

// Appends one decoded frame's samples, converted to float per channel. The integer scalings
// are exact powers of two, as in torchaudio.load (sox): int16 / 32768, int32 / 2^31, ...
void append_native(const AVFrame* frame, std::vector<std::vector<float>>& out) {
    const auto fmt = static_cast<AVSampleFormat>(frame->format);
    const int channels = frame->ch_layout.nb_channels;
    const int n = frame->nb_samples;
    const bool planar = av_sample_fmt_is_planar(fmt);
    const AVSampleFormat packed = av_get_packed_sample_fmt(fmt);
    for (int c = 0; c < channels; ++c) {
        std::vector<float>& dst = out[static_cast<size_t>(c)];
        const size_t base = dst.size();
        dst.resize(base + static_cast<size_t>(n));
        const uint8_t* plane = frame->extended_data[planar ? c : 0];
        const int step = planar ? 1 : channels;
        const int first = planar ? 0 : c;
        for (int i = 0; i < n; ++i) {
            const int k = first + i * step;
            float v = 0.f;
            switch (packed) {
                case AV_SAMPLE_FMT_U8: v = (float(reinterpret_cast<const uint8_t*>(plane)[k]) - 128.f) / 128.f; break;
                case AV_SAMPLE_FMT_S16: v = float(reinterpret_cast<const int16_t*>(plane)[k]) / 32768.f; break;
                case AV_SAMPLE_FMT_S32: v = float(double(reinterpret_cast<const int32_t*>(plane)[k]) / 2147483648.0); break;
                case AV_SAMPLE_FMT_S64: v = float(double(reinterpret_cast<const int64_t*>(plane)[k]) / 9223372036854775808.0); break;
                case AV_SAMPLE_FMT_FLT: v = reinterpret_cast<const float*>(plane)[k]; break;
                case AV_SAMPLE_FMT_DBL: v = float(reinterpret_cast<const double*>(plane)[k]); break;
                default: throw std::logic_error("unhandled sample format");
            }
            dst[base + static_cast<size_t>(i)] = v;
        }
    }
}

// Collects decoded frames as float planes, optionally through a resampler set up from the
// first frame.
class PcmCollector {
public:
    PcmCollector(std::string name, int target_rate) : name_(std::move(name)), target_rate_(target_rate) {}

    void add(const AVFrame* frame) {
        if (frame->nb_samples <= 0) return;
        const int channels = frame->ch_layout.nb_channels;
        if (channels <= 0) throw MediaError(name_ + " has an audio stream without channels; the file is damaged.");
        if (planes_.empty()) start(frame);
        if (channels != channels_ || frame->sample_rate != in_rate_ || frame->format != in_format_)
            throw MediaError(name_ + " changes its sample rate or channel count partway through; convert it to a plain WAV file first.");
        if (!swr_) {
            append_native(frame, planes_);
            return;
        }
        convert(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
    }

    DecodedAudio finish(int max_channels) {
        if (swr_) convert(nullptr, 0);  // drain the resampler's delay line
        DecodedAudio out;
        if (planes_.empty()) return out;
        const int keep = max_channels > 0 ? std::min(max_channels, channels_) : channels_;
        out.sample_rate = swr_ ? target_rate_ : in_rate_;
        out.channels = keep;
        out.frames = static_cast<int64_t>(planes_[0].size());
        out.samples.reserve(static_cast<size_t>(keep) * planes_[0].size());
        for (int c = 0; c < keep; ++c)
            out.samples.insert(out.samples.end(), planes_[static_cast<size_t>(c)].begin(), planes_[static_cast<size_t>(c)].end());
        return out;
    }

private:
    void start(const AVFrame* frame) {
        channels_ = frame->ch_layout.nb_channels;
        in_rate_ = frame->sample_rate;
        in_format_ = frame->format;
        if (in_rate_ <= 0) throw MediaError(name_ + " states no valid sample rate; the file is damaged.");
        planes_.assign(static_cast<size_t>(channels_), {});
        if (target_rate_ <= 0 || target_rate_ == in_rate_) return;

        AVChannelLayout layout;
        if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
            av_channel_layout_default(&layout, channels_);
        else if (av_channel_layout_copy(&layout, &frame->ch_layout) < 0)
            throw std::bad_alloc();
        SwrContext* raw = nullptr;
        int rc = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLTP, target_rate_, &layout,
                                     static_cast<AVSampleFormat>(in_format_), in_rate_, 0, nullptr);
        av_channel_layout_uninit(&layout);
        swr_.reset(raw);
        if (rc >= 0) rc = swr_init(swr_.get());
        if (rc < 0)
            throw MediaError(name_ + " cannot be converted to " + std::to_string(target_rate_) + " Hz (" + error_text(rc) +
                             "); convert it to a 16 kHz WAV file first.");
    }

    void convert(const uint8_t** in, int in_samples) {
        for (;;) {
            const int room = swr_get_out_samples(swr_.get(), in_samples);
            if (room <= 0) return;
            std::vector<std::vector<float>> tmp(static_cast<size_t>(channels_), std::vector<float>(static_cast<size_t>(room)));
            std::vector<uint8_t*> ptrs;
            for (auto& p : tmp) ptrs.push_back(reinterpret_cast<uint8_t*>(p.data()));
            const int got = swr_convert(swr_.get(), ptrs.data(), room, in, in_samples);
            if (got < 0) throw MediaError(name_ + " could not be resampled (" + error_text(got) + "); convert it to a WAV file first.");
            for (int c = 0; c < channels_; ++c)
                planes_[static_cast<size_t>(c)].insert(planes_[static_cast<size_t>(c)].end(), tmp[static_cast<size_t>(c)].begin(),
                                                       tmp[static_cast<size_t>(c)].begin() + got);
            if (in) return;        // one call consumes all input
            if (got == 0) return;  // drained
        }
    }

    std::string name_;
    int target_rate_;
    int channels_ = 0, in_rate_ = 0, in_format_ = -1;
    SwrPtr swr_;
    std::vector<std::vector<float>> planes_;
};

}  // namespace

DecodedAudio decode_audio(const std::string& path, int target_rate, int max_channels) {
    if (target_rate < 0 || max_channels < 0) throw std::invalid_argument("decode_audio: negative rate or channel count");
    FormatPtr fmt = open_media(path);
    const std::string name = display_name(path);
    const int index = require_audio_stream(fmt.get(), path);
    const bool is_wav = fmt->iformat && fmt->iformat->name && std::string(fmt->iformat->name) == "wav";
    if (is_wav && wav_is_truncated(path))
        throw MediaError(name + " is truncated (its audio data ends before its header says it does); export or download it again.");

    CodecPtr dec = open_decoder(fmt.get(), index, path);
    PcmCollector pcm(name, target_rate);
    FramePtr frame = make_frame();
    PacketPtr packet = make_packet();
    int decode_errors = 0;
    int64_t decoded = 0;

    auto drain = [&] {
        for (;;) {
            const int rc = avcodec_receive_frame(dec.get(), frame.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            if (rc < 0) {
                ++decode_errors;  // a damaged packet: skip it as players do
                return;
            }
            decoded += frame->nb_samples;
            pcm.add(frame.get());
            av_frame_unref(frame.get());
        }
    };

    for (;;) {
        const int rc = av_read_frame(fmt.get(), packet.get());
        if (rc == AVERROR_EOF) break;
        if (rc < 0) {
            if (decoded == 0)
                throw MediaError(name + " is damaged: its audio cannot be read (" + error_text(rc) + "); export or download it again.");
            break;  // damage after some audio: keep what decoded, as players do
        }
        if (packet->stream_index == index) {
            if ((packet->flags & AV_PKT_FLAG_CORRUPT) && short_read_means_truncated(fmt->iformat))
                throw MediaError(name + " is truncated (its data ends before its index says it does); export or download it again.");
            const int sent = avcodec_send_packet(dec.get(), packet.get());
            if (sent < 0 && sent != AVERROR(EAGAIN)) ++decode_errors;
            drain();
        }
        av_packet_unref(packet.get());
    }
    avcodec_send_packet(dec.get(), nullptr);
    drain();

    if (decoded == 0) {
        if (decode_errors > 0)
            throw MediaError(name + " is damaged: none of its audio could be decoded; export or download it again.");
        throw MediaError(name + " contains no audio samples; choose a file with sound in it.");
    }
    return pcm.finish(max_channels);
}

}  // namespace ibllm::media
