#include "engine/imagebind/imagebind_config.h"

#include <algorithm>
#include <fstream>

#include "engine/error.h"

namespace ibllm {

using nlohmann::json;

const std::vector<std::string>& imagebind_modality_names() {
    static const std::vector<std::string> names = {"vision", "text", "audio", "depth", "thermal", "imu"};
    return names;
}

bool HeadConfig::operator==(const HeadConfig& o) const {
    return type == o.type && ln_eps == o.ln_eps && select_index == o.select_index && linear_index == o.linear_index &&
           proj_bias == o.proj_bias;
}

bool PostprocessConfig::operator==(const PostprocessConfig& o) const {
    return normalize == o.normalize && normalize_eps == o.normalize_eps && logit_scale == o.logit_scale &&
           logit_scale_max == o.logit_scale_max && logit_scale_init == o.logit_scale_init &&
           logit_scale_learnable == o.logit_scale_learnable;
}

bool TrunkConfig::operator==(const TrunkConfig& o) const {
    return embed_dim == o.embed_dim && num_blocks == o.num_blocks && num_heads == o.num_heads &&
           mlp_hidden_dim == o.mlp_hidden_dim && attn_qkv_bias == o.attn_qkv_bias && add_bias_kv == o.add_bias_kv &&
           block_ln_eps == o.block_ln_eps && pre_transformer_ln == o.pre_transformer_ln &&
           pre_transformer_ln_eps == o.pre_transformer_ln_eps && num_cls_tokens == o.num_cls_tokens && stem == o.stem &&
           stem_module == o.stem_module && in_channels == o.in_channels && kernel_size == o.kernel_size &&
           stride == o.stride && stem_bias == o.stem_bias && stem_ln == o.stem_ln && stem_ln_eps == o.stem_ln_eps &&
           patches_layout == o.patches_layout && num_patches == o.num_patches && img_size == o.img_size &&
           pos_embed_key == o.pos_embed_key && pad_im2video_ntimes == o.pad_im2video_ntimes &&
           pad_im2video_time_dim == o.pad_im2video_time_dim && video_frames == o.video_frames &&
           num_mel_bins == o.num_mel_bins && target_len == o.target_len && stem_in_features == o.stem_in_features &&
           vocab_size == o.vocab_size && context_length == o.context_length && causal_mask == o.causal_mask &&
           head == o.head && postprocess == o.postprocess;
}

bool ImageBindConfig::operator==(const ImageBindConfig& o) const {
    return out_embed_dim == o.out_embed_dim && modalities == o.modalities && point == o.point;
}

namespace {

constexpr const char* kSchema = "imagebind_llm_config/1";

// Typed access to the JSON with the file name and the dotted field path in every error.
class ConfigReader {
public:
    explicit ConfigReader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw Error(path_ + ": '" + where + "' " + what + "; use an ImageBind config in the " + kSchema +
                    " schema (like the fixture imagebind_config.json), or leave the option out for the real ImageBind-huge.");
    }

    const json& member(const json& obj, const std::string& where, const std::string& key) const {
        if (!obj.contains(key)) fail(where + "." + key, "is missing");
        return obj.at(key);
    }

    int64_t integer(const json& obj, const std::string& where, const std::string& key, int64_t min_value = 1) const {
        const json& v = member(obj, where, key);
        if (!v.is_number_integer()) fail(where + "." + key, "is not an integer");
        const int64_t x = v.get<int64_t>();
        if (x < min_value) fail(where + "." + key, "is " + std::to_string(x) + ", below " + std::to_string(min_value));
        return x;
    }

    int64_t integer_or(const json& obj, const std::string& where, const std::string& key, int64_t fallback) const {
        return obj.contains(key) ? integer(obj, where, key, 0) : fallback;
    }

    double number(const json& obj, const std::string& where, const std::string& key) const {
        const json& v = member(obj, where, key);
        if (!v.is_number()) fail(where + "." + key, "is not a number");
        return v.get<double>();
    }

    // An epsilon that may be null (the layer does not exist); returns false for null.
    bool optional_positive(const json& obj, const std::string& where, const std::string& key, double& out) const {
        if (!obj.contains(key) || obj.at(key).is_null()) return false;
        out = number(obj, where, key);
        if (!(out > 0.0)) fail(where + "." + key, "must be positive");
        return true;
    }

    double positive(const json& obj, const std::string& where, const std::string& key) const {
        const double x = number(obj, where, key);
        if (!(x > 0.0)) fail(where + "." + key, "must be positive");
        return x;
    }

    bool boolean(const json& obj, const std::string& where, const std::string& key) const {
        const json& v = member(obj, where, key);
        if (!v.is_boolean()) fail(where + "." + key, "is not true or false");
        return v.get<bool>();
    }

    std::string string(const json& obj, const std::string& where, const std::string& key) const {
        const json& v = member(obj, where, key);
        if (!v.is_string()) fail(where + "." + key, "is not a string");
        return v.get<std::string>();
    }

    // A list of positive integers; a single integer counts as a list of one.
    std::vector<int64_t> int_list(const json& obj, const std::string& where, const std::string& key) const {
        const json& v = member(obj, where, key);
        std::vector<int64_t> out;
        if (v.is_number_integer()) {
            out.push_back(v.get<int64_t>());
        } else if (v.is_array()) {
            for (const json& e : v) {
                if (!e.is_number_integer()) fail(where + "." + key, "is not a list of integers");
                out.push_back(e.get<int64_t>());
            }
        } else {
            fail(where + "." + key, "is not a list of integers");
        }
        for (int64_t x : out)
            if (x < 1) fail(where + "." + key, "holds a value below 1");
        return out;
    }

    HeadConfig head(const json& obj, const std::string& where, bool text) const {
        const json& h = member(obj, where, "head");
        const std::string w = where + ".head";
        if (!h.is_object()) fail(w, "is not an object");
        HeadConfig c;
        c.type = string(h, w, "type");
        const char* expected = text ? "select_eos_argmax_then_ln_linear" : "ln_select0_linear";
        if (c.type != expected) fail(w + ".type", "is '" + c.type + "', but this modality needs '" + expected + "'");
        c.ln_eps = positive(h, w, "ln_eps");
        c.proj_bias = h.contains("proj_bias") ? boolean(h, w, "proj_bias") : false;
        if (!text) {
            c.select_index = integer_or(h, w, "select_index", 0);
            if (c.select_index != 0) fail(w + ".select_index", "must be 0 (the cls token)");
            c.linear_index = integer(h, w, "linear_index");
        } else {
            c.linear_index = 1;  // SelectEOSAndProject.proj = Sequential(LayerNorm, Linear)
        }
        return c;
    }

    PostprocessConfig postprocess(const json& obj, const std::string& where) const {
        const json& p = member(obj, where, "postprocess");
        const std::string w = where + ".postprocess";
        if (!p.is_object()) fail(w, "is not an object");
        PostprocessConfig c;
        c.normalize = boolean(p, w, "normalize");
        if (c.normalize) c.normalize_eps = positive(p, w, "normalize_eps");
        const json& s = member(p, w, "logit_scale");
        if (!s.is_null()) {
            const std::string ws = w + ".logit_scale";
            if (!s.is_object()) fail(ws, "is neither null nor an object");
            c.logit_scale = true;
            c.logit_scale_max = positive(s, ws, "max");
            c.logit_scale_init = s.contains("init") ? number(s, ws, "init") : 0.0;
            c.logit_scale_learnable = s.contains("learnable") ? boolean(s, ws, "learnable") : false;
        }
        return c;
    }

    TrunkConfig trunk(const std::string& name, const json& m) const {
        const std::string w = "modalities." + name;
        if (!m.is_object()) fail(w, "is not an object");
        TrunkConfig c;
        c.embed_dim = integer(m, w, "embed_dim");
        c.num_blocks = integer(m, w, "num_blocks");
        c.num_heads = integer(m, w, "num_heads");
        c.mlp_hidden_dim = integer(m, w, "mlp_hidden_dim");
        if (c.embed_dim % c.num_heads != 0)
            fail(w + ".num_heads", "does not divide embed_dim " + std::to_string(c.embed_dim));
        if (m.contains("mlp_act") && string(m, w, "mlp_act") != "gelu_erf")
            fail(w + ".mlp_act", "is not 'gelu_erf', the only activation ImageBind uses");
        if (m.contains("layer_scale") && !m.at("layer_scale").is_null())
            fail(w + ".layer_scale", "is set, but ImageBind's trunks have no layer scale (null)");
        c.attn_qkv_bias = boolean(m, w, "attn_qkv_bias");
        c.add_bias_kv = boolean(m, w, "add_bias_kv");
        c.block_ln_eps = positive(m, w, "block_ln_eps");
        c.pre_transformer_ln = boolean(m, w, "pre_transformer_ln");
        if (c.pre_transformer_ln) c.pre_transformer_ln_eps = positive(m, w, "pre_transformer_ln_eps");
        c.num_cls_tokens = integer(m, w, "num_cls_tokens", 0);

        const bool text = name == "text";
        if (text) {
            c.stem = StemKind::TokenEmbedding;
            c.stem_module = "token_embedding";
            c.vocab_size = integer(m, w, "vocab_size");
            c.context_length = integer(m, w, "context_length");
            c.causal_mask = boolean(m, w, "causal_mask");
            c.pos_embed_key = "pos_embed";
            if (c.num_cls_tokens != 0) fail(w + ".num_cls_tokens", "must be 0 for text (the reference has no text cls token with a causal mask)");
        } else {
            const std::string stem = string(m, w, "stem");
            c.kernel_size = int_list(m, w, "kernel_size");
            c.stem_bias = m.contains("stem_bias") ? boolean(m, w, "stem_bias") : false;
            c.stem_ln = optional_positive(m, w, "stem_ln_eps", c.stem_ln_eps);
            c.num_patches = integer(m, w, "num_patches");
            c.img_size = int_list(m, w, "img_size");
            c.pos_embed_key = string(m, w, "pos_embed_key");
            if (stem == "unfold_linear") {
                c.stem = StemKind::UnfoldLinear;
                c.stem_module = "imu_stem";
                if (c.kernel_size.size() != 1) fail(w + ".kernel_size", "must be one window length for an unfold_linear stem");
                if (c.img_size.size() != 2) fail(w + ".img_size", "must be [channels, samples] for an unfold_linear stem");
                c.in_channels = c.img_size[0];
                c.stride = c.kernel_size;
                c.stem_in_features = m.contains("stem_in_features") ? integer(m, w, "stem_in_features")
                                                                    : c.in_channels * c.kernel_size[0];
                if (c.stem_in_features != c.in_channels * c.kernel_size[0])
                    fail(w + ".stem_in_features", "is not channels * kernel_size");
                if (c.img_size[1] / c.kernel_size[0] != c.num_patches)
                    fail(w + ".num_patches", "is not img_size[1] / kernel_size");
            } else if (stem == "conv3d" || stem == "conv2d") {
                const size_t dims = stem == "conv3d" ? 3 : 2;
                c.stem = dims == 3 ? StemKind::Conv3dPatches : StemKind::Conv2dPatches;
                c.stem_module = string(m, w, "stem_module");
                if (c.stem_module != "rgbt_stem" && c.stem_module != "depth_stem")
                    fail(w + ".stem_module", "is neither 'rgbt_stem' nor 'depth_stem'");
                c.in_channels = integer(m, w, "in_channels");
                c.stride = int_list(m, w, "stride");
                if (c.kernel_size.size() != dims || c.stride.size() != dims)
                    fail(w + ".kernel_size", "and stride need " + std::to_string(dims) + " values for a " + stem + " stem");
                if (dims == 3 && c.kernel_size != c.stride)
                    fail(w + ".stride", "differs from kernel_size; a conv3d stem with overlapping patches is not supported");
                c.patches_layout = int_list(m, w, "patches_layout");
                int64_t product = 1;
                for (int64_t x : c.patches_layout) product *= x;
                if (product != c.num_patches) fail(w + ".patches_layout", "does not multiply to num_patches");
                if (c.img_size.empty() || c.img_size[0] != c.in_channels) fail(w + ".img_size", "does not start with in_channels");
                if (m.contains("pad_im2video")) {
                    const json& p = m.at("pad_im2video");
                    const std::string wp = w + ".pad_im2video";
                    if (!p.is_null()) {
                        if (!p.is_object()) fail(wp, "is not an object");
                        if (string(p, wp, "type") != "repeat") fail(wp + ".type", "is not 'repeat'");
                        c.pad_im2video_ntimes = integer(p, wp, "ntimes");
                        c.pad_im2video_time_dim = integer(p, wp, "time_dim");
                        if (c.pad_im2video_time_dim != 2) fail(wp + ".time_dim", "must be 2 (B, C, T, H, W)");
                    }
                }
                c.video_frames = integer_or(m, w, "video_frames", 0);
                c.num_mel_bins = integer_or(m, w, "num_mel_bins", 0);
                c.target_len = integer_or(m, w, "target_len", 0);
            } else {
                fail(w + ".stem", "is '" + stem + "', not one of conv3d, conv2d, unfold_linear");
            }
        }
        c.head = head(m, w, text);
        c.postprocess = postprocess(m, w);
        return c;
    }

private:
    std::string path_;
};

}  // namespace

ImageBindConfig ImageBindConfig::from_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + " cannot be opened; check the path given for the ImageBind config.");
    json j;
    try {
        in >> j;
    } catch (const std::exception&) {
        throw Error(path + " is not valid JSON; use an ImageBind config in the " + std::string(kSchema) + " schema.");
    }
    const ConfigReader r(path);
    if (!j.is_object()) r.fail("(top level)", "is not a JSON object");
    const std::string schema = r.string(j, "(top level)", "schema");
    if (schema != kSchema) r.fail("schema", "is '" + schema + "', not '" + kSchema + "'");

    ImageBindConfig c;
    c.source = path;
    c.out_embed_dim = r.integer(j, "(top level)", "out_embed_dim");
    const json& mods = r.member(j, "(top level)", "modalities");
    if (!mods.is_object()) r.fail("modalities", "is not an object");
    const auto& known = imagebind_modality_names();
    for (auto it = mods.begin(); it != mods.end(); ++it) {
        if (std::find(known.begin(), known.end(), it.key()) == known.end())
            r.fail("modalities." + it.key(), "is not an ImageBind modality (vision, text, audio, depth, thermal, imu)");
        c.modalities[it.key()] = r.trunk(it.key(), it.value());
    }
    if (j.contains("point")) {
        if (!j.at("point").is_object()) r.fail("point", "is not an object");
        c.point = j.at("point");
    }
    return c;
}

}  // namespace ibllm
