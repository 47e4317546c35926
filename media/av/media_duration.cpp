#include "media/av/media_duration.h"

#include <algorithm>

#include "media/av/ffmpeg_input.h"

namespace ibllm::media {

double media_duration(const std::string& path) {
    using namespace ffmpeg;
    FormatPtr fmt = open_media(path);
    // Streams state their length in their own time base (exact for PCM); the container's
    // figure is rounded to microseconds, so it only stands in when no stream states one.
    double longest = 0.0;
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
        const AVStream* st = fmt->streams[i];
        const AVMediaType type = st->codecpar->codec_type;
        if ((type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_VIDEO) || (st->disposition & AV_DISPOSITION_ATTACHED_PIC)) continue;
        if (st->duration != AV_NOPTS_VALUE && st->duration > 0) longest = std::max(longest, st->duration * av_q2d(st->time_base));
    }
    if (longest > 0.0) return longest;
    if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) return static_cast<double>(fmt->duration) / AV_TIME_BASE;

    // No header states it: the end of the last packet of any stream.
    PacketPtr packet = make_packet();
    while (av_read_frame(fmt.get(), packet.get()) >= 0) {
        const AVStream* st = fmt->streams[packet->stream_index];
        const int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
        if (packet->pts != AV_NOPTS_VALUE)
            longest = std::max(longest, (packet->pts - start + std::max<int64_t>(packet->duration, 0)) * av_q2d(st->time_base));
        av_packet_unref(packet.get());
    }
    if (longest <= 0.0)
        throw MediaError(display_name(path) + " has no timed audio or video data; the file is empty or damaged.");
    return longest;
}

}  // namespace ibllm::media
