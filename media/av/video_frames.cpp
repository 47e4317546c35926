#include "media/av/video_frames.h"

extern "C" {
#include <libavutil/imgutils.h>
}

#include <algorithm>
#include <new>

namespace ibllm::media::ffmpeg {

int require_video_stream(const AVFormatContext* fmt, const std::string& path) {
    const int index = find_video_stream(fmt);
    if (index >= 0) return index;
    const std::string name = display_name(path);
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
            throw MediaError(name + " has no video stream; attach it as audio instead.");
    throw MediaError(name + " has no video stream; choose a video file.");
}

int64_t frame_pts(const AVFrame* f) { return f->pts != AV_NOPTS_VALUE ? f->pts : f->best_effort_timestamp; }

VideoInfo video_stream_facts(const AVFormatContext* fmt, int index, const std::string& path) {
    const AVStream* st = fmt->streams[index];
    VideoInfo info;
    info.tb_num = st->time_base.num;
    info.tb_den = st->time_base.den;
    if (info.tb_num <= 0 || info.tb_den <= 0)
        throw MediaError(display_name(path) + " has a video stream without a valid time base; re-encode it as H.264 MP4.");
    info.start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    info.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
    info.frame_count = st->nb_frames;
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) info.has_audio = true;
    return info;
}

DecodedFrame frame_to_rgb24(const AVFrame* f, int width, int height, int sws_flags, SwsPtr& sws, const std::string& name) {
    const auto src_format = static_cast<AVPixelFormat>(f->format);
    sws.reset(sws_getCachedContext(sws.release(), f->width, f->height, src_format, width, height, AV_PIX_FMT_RGB24, sws_flags,
                                   nullptr, nullptr, nullptr));
    if (!sws) {
        const char* fmt_name = av_get_pix_fmt_name(src_format);
        throw MediaError(name + " uses the pixel format '" + (fmt_name ? fmt_name : "unknown") +
                         "', which cannot be converted to RGB; re-encode it as H.264 MP4.");
    }
    // libswscale's vector code wants 16-byte aligned rows (as PyAV allocates them); the
    // result is then packed row by row.
    uint8_t* dst[4] = {nullptr};
    int dst_linesize[4] = {0};
    if (av_image_alloc(dst, dst_linesize, width, height, AV_PIX_FMT_RGB24, 16) < 0)
        throw MediaError(name + " has frames of " + std::to_string(width) + " x " + std::to_string(height) +
                         " pixels, too large to convert; scale the video down (8K at most).");
    sws_scale(sws.get(), f->data, f->linesize, 0, f->height, dst, dst_linesize);
    DecodedFrame out;
    out.pts = frame_pts(f);
    out.width = width;
    out.height = height;
    const size_t row = static_cast<size_t>(width) * 3;
    out.rgb.resize(row * static_cast<size_t>(height));
    for (int y = 0; y < height; ++y)
        std::copy_n(dst[0] + static_cast<ptrdiff_t>(y) * dst_linesize[0], row, out.rgb.data() + row * static_cast<size_t>(y));
    av_freep(&dst[0]);
    return out;
}

}  // namespace ibllm::media::ffmpeg
