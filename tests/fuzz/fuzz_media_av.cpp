// libFuzzer harness: audio and video files through the product's FFmpeg wrappers (media/av):
// probing, the audio decoder with resampling, the envelope and duration, the video thumbnails
// and the clip frames ImageBind reads. FFmpeg's demuxers and decoders are not ours, but what
// our code does with what they return is: any input must give media or a MediaError, never a
// crash, an unbounded loop or a runaway allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "media/av/audio_decoder.h"
#include "media/av/audio_envelope.h"
#include "media/av/media_duration.h"
#include "media/av/video_decoder.h"
#include "media/av/video_thumbnails.h"
#include "media/media_error.h"
#include "memory_file.h"

extern "C" {
#include <libavutil/log.h>
}

// FFmpeg's own complaints about broken input would flood the fuzzer's output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    av_log_set_level(AV_LOG_QUIET);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    const std::string path = file.path();
    using namespace ibllm::media;
    survive<MediaError>([&] { (void)media_duration(path); });
    survive<MediaError>([&] { (void)decode_audio(path, 16000, 2); });
    survive<MediaError>([&] { (void)audio_envelope(path, 16); });
    survive<MediaError>([&] {
        const VideoInfo info = probe_video(path);
        (void)info;
        (void)decode_clip_frames(path, {{0, 1 << 20}}, 2);
    });
    survive<MediaError>([&] { (void)decode_video_thumbnails(path, 2, 32, 24); });
    return 0;
}
