#pragma once
// What the FFmpeg decoders of media/av share: owning handles for FFmpeg's C objects, opening a
// file with every user-facing failure turned into one MediaError sentence, and stream and
// decoder selection. Internal to media/av; callers use audio_decoder.h / video_decoder.h.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <memory>
#include <string>

#include "media/media_error.h"

namespace ibllm::media::ffmpeg {

struct FormatCloser {
    void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFreer {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFreer {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFreer {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;

FramePtr make_frame();
PacketPtr make_packet();

// The file's name without its folder, as messages show it.
std::string display_name(const std::string& path);
// FFmpeg's text for an error code ("Invalid data found when processing input").
std::string error_text(int code);

// Opens `path` and reads its stream headers. A missing, unreadable, empty or non-media file
// throws MediaError naming the file and what to do.
FormatPtr open_media(const std::string& path);

// The first video stream that is a picture sequence (cover art does not count), or -1.
int find_video_stream(const AVFormatContext* fmt);
// FFmpeg's choice of audio stream, or -1.
int find_audio_stream(AVFormatContext* fmt);
// The same, but a file without sound throws MediaError naming `path` (and, for a silent
// video, saying to attach it as a video).
int require_audio_stream(AVFormatContext* fmt, const std::string& path);

// Opens a decoder for stream `index` and has the demuxer skip every other stream (their
// packets are never needed); a codec this FFmpeg cannot decode throws MediaError.
CodecPtr open_decoder(AVFormatContext* fmt, int index, const std::string& path);

}  // namespace ibllm::media::ffmpeg
