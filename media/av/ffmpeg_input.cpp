#include "media/av/ffmpeg_input.h"

extern "C" {
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

namespace ibllm::media::ffmpeg {
namespace {

// FFmpeg's largest single allocation. Its parsers size some buffers from the file's own
// headers before reading them: a WAV whose metadata (LIST/INFO) chunk claims gigabytes made the
// demuxer allocate and zero 1.9 GB for a 16 KB file (found by fuzz_media_av). FFmpeg's default
// cap is 2 GB; the largest block the product needs is an RGB frame, 100 MB at 8K.
constexpr size_t kLargestFfmpegBlock = size_t{256} << 20;

// FFmpeg logs warnings about damaged input to stderr; the user gets a MediaError instead, so
// only genuine errors are worth printing. An application that set its own level keeps it.
void configure_ffmpeg_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);
        av_max_alloc(kLargestFfmpegBlock);
    });
}

}  // namespace

FramePtr make_frame() {
    FramePtr f(av_frame_alloc());
    if (!f) throw std::bad_alloc();
    return f;
}

PacketPtr make_packet() {
    PacketPtr p(av_packet_alloc());
    if (!p) throw std::bad_alloc();
    return p;
}

std::string display_name(const std::string& path) {
    const std::string name = std::filesystem::path(path).filename().string();
    return name.empty() ? path : name;
}

std::string error_text(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

FormatPtr open_media(const std::string& path) {
    configure_ffmpeg_once();
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw MediaError(path + " does not exist; check the file name and folder.");
    if (fs::is_directory(status)) throw MediaError(path + " is a folder, not a media file; choose a file inside it.");
    const std::string name = display_name(path);
    if (!std::ifstream(path, std::ios::binary))
        throw MediaError(name + " cannot be opened for reading; check the file's permissions.");
    if (fs::file_size(path, ec) == 0 && !ec)
        throw MediaError(name + " is empty (0 bytes); export or download it again.");

    AVFormatContext* raw = nullptr;
    int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
    if (rc < 0)
        throw MediaError(name + " is not an audio or video file FFmpeg can read (" + error_text(rc) +
                         "); check that it is a media file, or convert it to WAV, MP3 or MP4.");
    FormatPtr fmt(raw);
    rc = avformat_find_stream_info(fmt.get(), nullptr);
    if (rc < 0)
        throw MediaError(name + " is damaged: FFmpeg cannot read its streams (" + error_text(rc) +
                         "); export or download it again.");
    return fmt;
}

int find_video_stream(const AVFormatContext* fmt) {
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
        const AVStream* st = fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            return static_cast<int>(i);
    }
    return -1;
}

int find_audio_stream(AVFormatContext* fmt) {
    const int i = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    return i >= 0 ? i : -1;
}

int require_audio_stream(AVFormatContext* fmt, const std::string& path) {
    const int index = find_audio_stream(fmt);
    if (index >= 0) return index;
    const std::string name = display_name(path);
    if (find_video_stream(fmt) >= 0)
        throw MediaError(name + " has no audio stream (it is a silent video); attach it as a video instead.");
    throw MediaError(name + " has no audio stream; choose a file with sound in it.");
}

CodecPtr open_decoder(AVFormatContext* fmt, int index, const std::string& path) {
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (static_cast<int>(i) != index) fmt->streams[i]->discard = AVDISCARD_ALL;
    const AVCodecParameters* par = fmt->streams[index]->codecpar;
    const std::string name = display_name(path);
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
        const char* codec_name = avcodec_get_name(par->codec_id);
        throw MediaError(name + " uses the codec '" + (codec_name ? codec_name : "unknown") +
                         "', which this FFmpeg cannot decode; convert it (for example to WAV or H.264 MP4) and try again.");
    }
    CodecPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) throw std::bad_alloc();
    int rc = avcodec_parameters_to_context(ctx.get(), par);
    if (rc >= 0) {
        ctx->pkt_timebase = fmt->streams[index]->time_base;
        ctx->thread_count = 0;  // FFmpeg picks; decoding stays deterministic
        rc = avcodec_open2(ctx.get(), codec, nullptr);
    }
    if (rc < 0)
        throw MediaError(name + " has a " + codec->name + " stream that cannot be opened (" + error_text(rc) +
                         "); the file may be damaged, export or download it again.");
    return ctx;
}

}  // namespace ibllm::media::ffmpeg
