#include "media/av/video_thumbnails.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "media/av/ffmpeg_input.h"
#include "media/av/video_frames.h"

namespace ibllm::media {
namespace {

using namespace ffmpeg;

// The frames of one stream in presentation order, one at a time, with seeking. Damaged
// packets and pictures are skipped, as players skip them.
class FrameReader {
public:
    FrameReader(AVFormatContext* fmt, AVCodecContext* dec, int index) : fmt_(fmt), dec_(dec), index_(index) {}

    // The next decoded frame that has a time, or nullptr at the end of the stream.
    FramePtr next() {
        for (;;) {
            FramePtr f = make_frame();
            const int r = avcodec_receive_frame(dec_, f.get());
            if (r >= 0) {
                if (frame_pts(f.get()) != AV_NOPTS_VALUE) return f;
                continue;
            }
            if (r == AVERROR_EOF || ended_) return nullptr;
            const int read = av_read_frame(fmt_, packet_.get());
            if (read < 0) {
                avcodec_send_packet(dec_, nullptr);  // flush the pictures still being reordered
                ended_ = true;
                continue;
            }
            if (packet_->stream_index == index_) avcodec_send_packet(dec_, packet_.get());
            av_packet_unref(packet_.get());
        }
    }

    // Moves to the key frame at or before `pts`; false when the file cannot be searched, in
    // which case reading simply goes on from where it is.
    bool seek(int64_t pts) {
        if (av_seek_frame(fmt_, index_, pts, AVSEEK_FLAG_BACKWARD) < 0) return false;
        avcodec_flush_buffers(dec_);
        ended_ = false;
        return true;
    }

private:
    AVFormatContext* fmt_;
    AVCodecContext* dec_;
    int index_;
    PacketPtr packet_ = make_packet();
    bool ended_ = false;
};

// The frame shrunk (never enlarged) to fit the box with its display aspect ratio, as
// tightly packed RGB24.
DecodedFrame thumbnail(const AVFrame* f, int max_width, int max_height, SwsPtr& sws, const std::string& name) {
    const double sar = f->sample_aspect_ratio.num > 0 && f->sample_aspect_ratio.den > 0 ? av_q2d(f->sample_aspect_ratio) : 1.0;
    const double display_width = f->width * sar;
    const double scale = std::min({1.0, max_width / display_width, double(max_height) / f->height});
    const int width = std::max(1, int(std::lround(display_width * scale)));
    const int height = std::max(1, int(std::lround(f->height * scale)));
    return frame_to_rgb24(f, width, height, SWS_AREA, sws, name);
}

// What probe_video says, except the length: the stream's own duration, else the
// container's, and only when neither is stated the end found by reading the file through
// (probe_video), which a large Matroska file without stream durations must not need.
VideoInfo stream_facts(const AVFormatContext* fmt, int index, const std::string& path) {
    const AVStream* st = fmt->streams[index];
    VideoInfo info = video_stream_facts(fmt, index, path);
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        info.duration_ticks = st->duration;
    else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
        info.duration_ticks = av_rescale_q(fmt->duration, AV_TIME_BASE_Q, st->time_base);
    else
        info.duration_ticks = probe_video(path).duration_ticks;
    info.duration_s = double(info.duration_ticks) * info.tb_num / info.tb_den;
    return info;
}

}  // namespace

VideoThumbnails decode_video_thumbnails(const std::string& path, int count, int max_width, int max_height) {
    if (count < 1 || max_width < 1 || max_height < 1)
        throw std::invalid_argument("decode_video_thumbnails: count and size must be positive");
    FormatPtr fmt = open_media(path);
    const std::string name = display_name(path);
    const int index = require_video_stream(fmt.get(), path);
    VideoThumbnails out;
    out.info = stream_facts(fmt.get(), index, path);
    CodecPtr dec = open_decoder(fmt.get(), index, path);
    FrameReader reader(fmt.get(), dec.get(), index);
    SwsPtr sws;

    const int64_t length = std::max<int64_t>(out.info.duration_ticks, 0);
    // Reading on is cheaper than seeking (which restarts at a key frame) for moments this
    // close to where reading is.
    const int64_t near = av_rescale_q(2 * AV_TIME_BASE, AV_TIME_BASE_Q, fmt->streams[index]->time_base);
    int64_t position = out.info.start_pts;  // pts of the last frame read
    FramePtr behind;  // the last frame read at or before the previous moment
    FramePtr ahead;   // the first frame read after it
    int64_t shown_pts = AV_NOPTS_VALUE;
    for (int i = 0; i < count; ++i) {
        const int64_t moment = out.info.start_pts + av_rescale(length, 2 * i + 1, 2 * int64_t(count));
        if (moment - position > near && reader.seek(moment)) {
            behind.reset();
            ahead.reset();
        }
        if (ahead && frame_pts(ahead.get()) <= moment) behind = std::move(ahead);
        while (!ahead) {
            FramePtr f = reader.next();
            if (!f) break;
            position = frame_pts(f.get());
            (position <= moment ? behind : ahead) = std::move(f);
        }
        const AVFrame* chosen = behind ? behind.get() : ahead.get();
        if (!chosen || frame_pts(chosen) == shown_pts) continue;
        shown_pts = frame_pts(chosen);
        out.frames.push_back(thumbnail(chosen, max_width, max_height, sws, name));
    }
    if (out.frames.empty())
        throw MediaError(name + " has no video frames that decode; the file may be damaged or truncated, re-encode it (for example as H.264 MP4).");
    return out;
}

}  // namespace ibllm::media
