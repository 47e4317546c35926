#include "engine/imagebind_encoder.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <sstream>

#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/imagebind/audio/audio_preprocessor.h"
#include "engine/imagebind/audio/video_clips.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_model.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_cloud_prep.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/imagebind/preprocess/clip_tokenizer.h"
#include "engine/imagebind/preprocess/depth_preprocessor.h"
#include "engine/imagebind/preprocess/image_preprocessor.h"
#include "engine/imagebind/preprocess/imu_preprocessor.h"
#include "engine/imagebind/preprocess/thermal_preprocessor.h"
#include "engine/imagebind/preprocess/video_preprocessor.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

constexpr const char* kVocabulary = "bpe_simple_vocab_16e6.txt.gz";

ImageBindTrunk trunk_for(Modality m) {
    switch (m) {
        case Modality::Image:
        case Modality::Video: return ImageBindTrunk::Vision;
        case Modality::Audio: return ImageBindTrunk::Audio;
        case Modality::Text: return ImageBindTrunk::Text;
        case Modality::Depth: return ImageBindTrunk::Depth;
        case Modality::Thermal: return ImageBindTrunk::Thermal;
        case Modality::Imu: return ImageBindTrunk::Imu;
        case Modality::Point: break;
        case Modality::Rgbd:
        case Modality::Rgbn:
        case Modality::Fmri:
            throw Error("ImageBind has no " + to_string(m) + " encoder; that input is for OneLLM models.");
    }
    throw Error("Point clouds are encoded by the Point-BERT encoder, not an ImageBind trunk.");
}

std::string name_of(const EncoderInput& in) { return in.source.empty() ? "the " + to_string(in.modality) + " input" : in.source; }

at::Tensor points_tensor(const EncoderInput& in) {
    const auto& xyz = in.points.xyz;
    if (xyz.empty() || xyz.size() % 3 != 0) throw Error(name_of(in) + " contains no points; choose a non-empty point cloud.");
    return at::from_blob(const_cast<double*>(xyz.data()), {static_cast<int64_t>(xyz.size() / 3), 3}, at::kDouble).clone();
}

}  // namespace

std::string find_clip_vocabulary(const std::string& checkpoint) {
    std::vector<fs::path> candidates;
    if (!checkpoint.empty()) candidates.push_back(fs::path(checkpoint).parent_path() / kVocabulary);
    if (const char* env = std::getenv("IBLLM_DATA_DIR")) candidates.push_back(fs::path(env) / kVocabulary);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        candidates.push_back(exe.parent_path() / "../share/imagebind-llm" / kVocabulary);
        candidates.push_back(exe.parent_path() / kVocabulary);
    }
#ifdef IBLLM_SOURCE_RESOURCES
    candidates.push_back(fs::path(IBLLM_SOURCE_RESOURCES) / kVocabulary);
#endif
    for (const fs::path& p : candidates)
        if (fs::exists(p, ec)) return p.string();
    throw Error(std::string("The CLIP vocabulary ") + kVocabulary +
                " was not found; reinstall the app or put the file next to imagebind_w3D.pth.");
}

ImageBindEncoder::ImageBindEncoder(const std::string& checkpoint, const std::string& config_path, const std::string& bpe_path,
                                   at::ScalarType dtype, const ProgressFn& progress)
    : checkpoint_(checkpoint) {
    auto report = [&](const std::string& s, double f) {
        if (progress) progress(s, f);
    };
    config_ = std::make_unique<ImageBindConfig>(config_path.empty() ? ImageBindConfig::huge()
                                                                    : ImageBindConfig::from_json_file(config_path));
    report("Reading " + fs::path(checkpoint).filename().string(), 0.0);
    TensorStore weights = TensorStore::from_pth(checkpoint);
    report("Preparing the ImageBind encoders", 0.3);
    model_ = std::make_unique<ImageBindModel>(weights, *config_, dtype);
    if (PointEncoder::present(weights)) {
        report("Preparing the Point-BERT encoder", 0.8);
        const PointBertConfig pc = config_path.empty() ? PointBertConfig::huge()
                                                       : PointBertConfig::from_json(config_->point, config_->out_embed_dim);
        points_ = std::make_unique<PointEncoder>(weights, pc, dtype);
    }
    text_ = std::make_unique<ClipTokenizer>(bpe_path.empty() ? find_clip_vocabulary(checkpoint) : bpe_path);
    report("ImageBind ready", 1.0);
}

ImageBindEncoder::~ImageBindEncoder() = default;

int64_t ImageBindEncoder::dim() const { return config_->out_embed_dim; }

int ImageBindEncoder::text_tokens(const std::string& text) const {
    int n = 0;
    for (int64_t id : text_->encode(text)) n += id != 0;  // the padding is id 0
    return n;
}

bool ImageBindEncoder::supports(Modality m) const {
    if (m == Modality::Point) return points_ != nullptr;
    if (m == Modality::Rgbd || m == Modality::Rgbn || m == Modality::Fmri) return false;
    return model_->has(trunk_for(m));
}

at::Tensor ImageBindEncoder::preprocess(const EncoderInput& in, std::string* note) const {
    switch (in.modality) {
        case Modality::Text:
            return at::tensor(text_->encode(in.text)).reshape({1, -1});
        default:
            break;
    }
    TensorData td = preprocess_input(in, "");
    (void)note;
    return at::from_blob(td.values.data(), td.shape, at::kFloat).clone();
}

at::Tensor ImageBindEncoder::forward(Modality m, const at::Tensor& x, const std::atomic<bool>* cancel) const {
    if (!supports(m))
        throw Error(checkpoint_ + " has no " + to_string(m) + " encoder; use imagebind_w3D.pth, which has every modality.");
    if (m == Modality::Point) return points_->forward(x.to(at::kFloat), nullptr, cancel);
    return model_->forward(trunk_for(m), x, nullptr, cancel);
}

at::Tensor ImageBindEncoder::embed(const EncoderInput& in, const std::atomic<bool>* cancel, std::string* note) const {
    at::Tensor x;
    if (in.modality == Modality::Point && !in.points.reference) {
        PreparedCloud c = prepare_user_point_cloud(points_tensor(in), 8192, name_of(in));
        if (note) {
            std::ostringstream s;
            s << "Centred and scaled to the unit sphere";
            if (c.downsampled) s << "; " << c.points.size(1) << " of " << c.original_count << " points kept by farthest-point sampling";
            *note = s.str();
        }
        x = c.points;
    } else if (in.modality == Modality::Text) {
        x = at::tensor(text_->encode(in.text)).reshape({1, -1});
    } else {
        x = preprocess(in, note);
    }
    at::Tensor e = forward(in.modality, x, cancel).reshape({-1});
    return e / e.norm().clamp_min(1e-12);
}

// ---- the free functions of engine.h that need no model -------------------------------

TensorData preprocess_input(const EncoderInput& in, const std::string& bpe_path) {
    at::NoGradGuard no_grad;
    at::Tensor t;
    switch (in.modality) {
        case Modality::Image: {
            if (in.image.rgb.size() != static_cast<size_t>(in.image.width) * in.image.height * 3 || in.image.rgb.empty())
                throw Error(name_of(in) + " has no pixels; choose another image.");
            t = preprocess_image(in.image.rgb.data(), in.image.width, in.image.height);
            break;
        }
        case Modality::Video: {
            if (in.video.clips.empty()) throw Error(name_of(in) + " has no video frames; choose another video.");
            std::vector<std::vector<const uint8_t*>> clips;
            for (const auto& clip : in.video.clips) {
                std::vector<const uint8_t*> frames;
                for (const auto& f : clip) frames.push_back(f.data());
                clips.push_back(std::move(frames));
            }
            t = preprocess_video_clips(clips, in.video.width, in.video.height);
            break;
        }
        case Modality::Audio: {
            const AudioInput& a = in.audio;
            if (a.channels <= 0 || a.samples.empty() || a.samples.size() % a.channels != 0)
                throw Error(name_of(in) + " has no audio samples; choose another sound file.");
            at::Tensor w = at::from_blob(const_cast<float*>(a.samples.data()),
                                         {a.channels, static_cast<int64_t>(a.samples.size()) / a.channels}, at::kFloat).clone();
            t = preprocess_audio(w, a.sample_rate);
            break;
        }
        case Modality::Point: {
            at::Tensor p = points_tensor(in);
            t = in.points.reference ? reference_point_input(p) : prepare_user_point_cloud(p, 8192, name_of(in)).points;
            break;
        }
        case Modality::Depth:
            t = preprocess_depth(in.gray.values.data(), in.gray.width, in.gray.height, in.gray.bits);
            break;
        case Modality::Thermal:
            t = preprocess_thermal(in.gray.values.data(), in.gray.width, in.gray.height, in.gray.bits);
            break;
        case Modality::Imu:
            if (in.imu.samples.empty()) throw Error(name_of(in) + " has no IMU samples; choose another CSV file.");
            t = preprocess_imu(in.imu.samples);
            break;
        case Modality::Text:
            t = ClipTokenizer(bpe_path.empty() ? find_clip_vocabulary("") : bpe_path).encode_batch({in.text});
            break;
        case Modality::Rgbd:
        case Modality::Rgbn:
        case Modality::Fmri:
            throw Error(name_of(in) + ": " + to_string(in.modality) + " is a OneLLM input; ImageBind's preprocessing does not read it.");
    }
    TensorData out;
    out.shape.assign(t.sizes().begin(), t.sizes().end());
    at::Tensor f = t.to(at::kFloat).contiguous();
    out.values.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
    return out;
}

std::vector<TensorData> preprocess_texts(const std::vector<std::string>& texts, const std::string& bpe_path) {
    const ClipTokenizer tokenizer(bpe_path.empty() ? find_clip_vocabulary("") : bpe_path);
    std::vector<TensorData> out;
    for (const std::string& text : texts) {
        const at::Tensor ids = tokenizer.encode_batch({text}).to(at::kFloat).contiguous();
        TensorData td;
        td.shape.assign(ids.sizes().begin(), ids.sizes().end());
        td.values.assign(ids.data_ptr<float>(), ids.data_ptr<float>() + ids.numel());
        out.push_back(std::move(td));
    }
    return out;
}

std::vector<std::pair<int64_t, int64_t>> video_clip_windows(int64_t duration_ticks, int64_t tb_num, int64_t tb_den,
                                                            int64_t start_pts) {
    return video_clip_pts_windows_from_ticks(duration_ticks, tb_num, tb_den, start_pts);
}

PointInput read_point_tensor(const std::string& path) {
    PthFile f = read_pth(path);
    const Value* v = &f.root;
    if (!v->is_tensor()) throw Error(path + " does not hold a single point tensor; save the cloud with torch.save(tensor_Nx3, path).");
    at::Tensor t = v->tensor;
    if (t.dim() == 3 && t.size(0) == 1) t = t[0];
    if (t.dim() != 2 || t.size(1) < 3 || t.size(0) == 0)
        throw Error(path + " holds a tensor of shape " + shape_string(t.sizes()) + "; a point cloud must be shaped [N, 3].");
    at::Tensor xyz = t.narrow(1, 0, 3).to(at::kDouble).contiguous();
    PointInput p;
    p.xyz.assign(xyz.data_ptr<double>(), xyz.data_ptr<double>() + xyz.numel());
    return p;
}

}  // namespace ibllm
