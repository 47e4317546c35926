#include "media/av/video_decoder.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "media/av/ffmpeg_input.h"
#include "media/av/video_frames.h"

namespace ibllm::media {
namespace {

using namespace ffmpeg;

// Every packet pts of one stream, sorted and distinct: each packet decodes to one frame with
// that pts, so this is the frame order of the whole stream without decoding it.
std::vector<int64_t> packet_pts(AVFormatContext* fmt, int index) {
    std::vector<int64_t> out;
    PacketPtr packet = make_packet();
    while (av_read_frame(fmt, packet.get()) >= 0) {
        if (packet->stream_index == index && packet->pts != AV_NOPTS_VALUE) out.push_back(packet->pts);
        av_packet_unref(packet.get());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", s);
    return buf;
}

// pytorchvideo's UniformTemporalSubsample: torch.linspace(0, T - 1, n) in float32 (torch's
// kernel fills the first half forward from the start and the second half back from the end),
// clamped and truncated to integers.
std::vector<int64_t> uniform_positions(int64_t count, int n) {
    std::vector<int64_t> out;
    const float start = 0.f, end = static_cast<float>(count - 1);
    const float step = n > 1 ? (end - start) / static_cast<float>(n - 1) : 0.f;
    const int halfway = n / 2;
    for (int i = 0; i < n; ++i) {
        float v = i < halfway ? start + step * static_cast<float>(i) : end - step * static_cast<float>(n - i - 1);
        v = std::clamp(v, 0.f, end);
        out.push_back(static_cast<int64_t>(v));
    }
    return out;
}

}  // namespace

VideoInfo probe_video(const std::string& path) {
    FormatPtr fmt = open_media(path);
    const int index = require_video_stream(fmt.get(), path);
    const AVStream* st = fmt->streams[index];

    VideoInfo info = video_stream_facts(fmt.get(), index, path);
    if (st->duration != AV_NOPTS_VALUE) {
        info.duration_ticks = st->duration - info.start_pts;
    } else {
        const std::vector<int64_t> pts = packet_pts(fmt.get(), index);
        if (pts.empty()) throw MediaError(display_name(path) + " has a video stream without frames; the file is empty or damaged.");
        info.duration_ticks = pts.back() - info.start_pts;
    }
    info.duration_s = static_cast<double>(static_cast<long double>(info.duration_ticks) * info.tb_num / info.tb_den);
    return info;
}

std::vector<ClipFrames> decode_clip_frames(const std::string& path,
                                           const std::vector<std::pair<int64_t, int64_t>>& pts_windows,
                                           int frames_per_clip, bool with_stream_index) {
    if (frames_per_clip < 1) throw std::invalid_argument("decode_clip_frames: frames_per_clip must be positive");
    FormatPtr fmt = open_media(path);
    const std::string name = display_name(path);
    const int index = require_video_stream(fmt.get(), path);
    const std::vector<int64_t> stream_pts = with_stream_index ? packet_pts(fmt.get(), index) : std::vector<int64_t>{};

    CodecPtr dec = open_decoder(fmt.get(), index, path);
    SwsPtr sws;
    FramePtr frame = make_frame();
    PacketPtr packet = make_packet();
    const AVRational tb = fmt->streams[index]->time_base;

    std::vector<ClipFrames> clips;
    for (const auto& window : pts_windows) {
        // Named copies, not a structured binding: the lambdas below capture them (C++17).
        const int64_t lo = window.first, hi = window.second;
        // pytorchvideo seeks a margin of 1024 ticks early because seeking is imprecise.
        const int rc = av_seek_frame(fmt.get(), index, std::max<int64_t>(lo - 1024, 0), AVSEEK_FLAG_BACKWARD);
        if (rc < 0)
            throw MediaError(name + " cannot be searched (" + error_text(rc) + "); re-encode it as H.264 MP4.");
        avcodec_flush_buffers(dec.get());

        // pts -> frame. With at most two kept frames (the first and the last) only the current
        // extremes are held, so a long window does not hold every decoded picture.
        std::map<int64_t, FramePtr> held;
        std::set<int64_t> seen;
        bool past_window = false;
        auto take = [&](AVFrame* f) {
            const int64_t pts = frame_pts(f);
            if (pts == AV_NOPTS_VALUE) return;
            if (pts >= hi) {
                past_window = true;
                return;
            }
            if (pts < lo) return;
            seen.insert(pts);
            FramePtr copy = make_frame();
            av_frame_move_ref(copy.get(), f);
            held[pts] = std::move(copy);  // a repeated pts keeps the later frame, like the reference's dict
            if (frames_per_clip <= 2 && held.size() > 2) held.erase(std::next(held.begin()));
        };
        auto drain = [&] {
            while (!past_window) {
                const int r = avcodec_receive_frame(dec.get(), frame.get());
                if (r < 0) return;  // EAGAIN, EOF, or a damaged picture (skipped)
                take(frame.get());
                av_frame_unref(frame.get());
            }
        };
        while (!past_window) {
            const int r = av_read_frame(fmt.get(), packet.get());
            if (r < 0) {
                avcodec_send_packet(dec.get(), nullptr);  // end of file: flush the reorder buffer
                drain();
                break;
            }
            if (packet->stream_index == index) {
                avcodec_send_packet(dec.get(), packet.get());
                drain();
            }
            av_packet_unref(packet.get());
        }

        const int64_t count = static_cast<int64_t>(seen.size());
        if (count == 0)
            throw MediaError(name + " has no decodable video frames between " + seconds_text(lo * av_q2d(tb)) + " and " +
                             seconds_text(hi * av_q2d(tb)) + "; the file may be truncated, re-encode it.");
        ClipFrames clip;
        clip.frames_in_window = count;
        const std::vector<int64_t> all(seen.begin(), seen.end());
        for (const int64_t pos : uniform_positions(count, frames_per_clip)) {
            const int64_t pts = all[static_cast<size_t>(pos)];
            // frame.to_rgb() of PyAV: the same size, SWS_BILINEAR only, default colour details.
            const AVFrame* held_frame = held.at(pts).get();
            DecodedFrame out = frame_to_rgb24(held_frame, held_frame->width, held_frame->height, SWS_BILINEAR, sws, name);
            if (with_stream_index) {
                const auto it = std::lower_bound(stream_pts.begin(), stream_pts.end(), pts);
                out.index = it != stream_pts.end() && *it == pts ? static_cast<int64_t>(it - stream_pts.begin()) : -1;
            }
            clip.kept.push_back(std::move(out));
        }
        clips.push_back(std::move(clip));
    }
    return clips;
}

}  // namespace ibllm::media
