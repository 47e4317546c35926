// The sizes of the released imagebind_w3D.pth (ImageBind-huge with the Point-BERT 3D
// encoder), as the reference's imagebind_huge() builds it. Built in, so that loading the
// real checkpoint needs no config file.
#include "engine/imagebind/imagebind_config.h"

namespace ibllm {

namespace {

// What every ImageBind trunk shares: pre-norm blocks with eps 1e-6, qkv bias, exact GELU,
// 4x MLP, a LayerNorm head that keeps the cls token, L2 normalisation.
TrunkConfig common_trunk(int64_t dim, int64_t blocks, int64_t heads) {
    TrunkConfig c;
    c.embed_dim = dim;
    c.num_blocks = blocks;
    c.num_heads = heads;
    c.mlp_hidden_dim = 4 * dim;
    c.attn_qkv_bias = true;
    c.block_ln_eps = 1e-6;
    c.num_cls_tokens = 1;
    c.head.type = "ln_select0_linear";
    c.head.ln_eps = 1e-6;
    c.head.select_index = 0;
    c.head.linear_index = 2;
    c.head.proj_bias = false;
    c.postprocess.normalize = true;
    c.postprocess.normalize_eps = 1e-12;
    return c;
}

void with_logit_scale(TrunkConfig& c, double init, bool learnable) {
    c.postprocess.logit_scale = true;
    c.postprocess.logit_scale_init = init;
    c.postprocess.logit_scale_learnable = learnable;
    c.postprocess.logit_scale_max = 100.0;
}

// A single-channel 2-D patch trunk (audio, depth, thermal): Conv2d without bias, then
// LayerNorm eps 1e-5, learned extra key/value in attention.
TrunkConfig image_like_trunk(int64_t dim, int64_t blocks, int64_t heads, const std::string& stem_module, int64_t kernel,
                             int64_t stride, std::vector<int64_t> layout, std::vector<int64_t> img_size) {
    TrunkConfig c = common_trunk(dim, blocks, heads);
    c.add_bias_kv = true;
    c.stem = StemKind::Conv2dPatches;
    c.stem_module = stem_module;
    c.in_channels = 1;
    c.kernel_size = {kernel, kernel};
    c.stride = {stride, stride};
    c.stem_ln = true;
    c.stem_ln_eps = 1e-5;
    c.patches_layout = std::move(layout);
    c.num_patches = c.patches_layout[0] * c.patches_layout[1];
    c.img_size = std::move(img_size);
    c.pos_embed_key = "pos_embedding_helper.pos_embed";
    return c;
}

TrunkConfig huge_vision() {
    TrunkConfig c = common_trunk(1280, 32, 16);
    c.pre_transformer_ln = true;
    c.pre_transformer_ln_eps = 1e-6;
    c.stem = StemKind::Conv3dPatches;
    c.stem_module = "rgbt_stem";
    c.in_channels = 3;
    c.kernel_size = {2, 14, 14};
    c.stride = {2, 14, 14};
    c.patches_layout = {1, 16, 16};
    c.num_patches = 256;
    c.img_size = {3, 2, 224, 224};
    c.pos_embed_key = "pos_embedding_helper.pos_embed";
    c.pad_im2video_ntimes = 2;
    c.pad_im2video_time_dim = 2;
    c.video_frames = 2;
    return c;  // vision has no logit scale
}

TrunkConfig huge_text() {
    TrunkConfig c = common_trunk(1024, 24, 16);
    c.num_cls_tokens = 0;
    c.stem = StemKind::TokenEmbedding;
    c.stem_module = "token_embedding";
    c.vocab_size = 49408;
    c.context_length = 77;
    c.causal_mask = true;
    c.pos_embed_key = "pos_embed";
    c.head.type = "select_eos_argmax_then_ln_linear";
    c.head.linear_index = 1;
    with_logit_scale(c, 1.0 / 0.07, true);
    return c;
}

TrunkConfig huge_audio() {
    TrunkConfig c = image_like_trunk(768, 12, 12, "rgbt_stem", 16, 10, {12, 19}, {1, 128, 204});
    c.num_mel_bins = 128;
    c.target_len = 204;
    with_logit_scale(c, 20.0, false);
    return c;
}

TrunkConfig huge_depth() {
    TrunkConfig c = image_like_trunk(384, 12, 8, "depth_stem", 16, 16, {14, 14}, {1, 224, 224});
    with_logit_scale(c, 5.0, false);
    return c;
}

TrunkConfig huge_thermal() {
    TrunkConfig c = image_like_trunk(768, 12, 12, "rgbt_stem", 16, 16, {14, 14}, {1, 224, 224});
    with_logit_scale(c, 10.0, false);
    return c;
}

TrunkConfig huge_imu() {
    TrunkConfig c = common_trunk(512, 6, 8);
    c.add_bias_kv = true;
    c.stem = StemKind::UnfoldLinear;
    c.stem_module = "imu_stem";
    c.in_channels = 6;
    c.kernel_size = {8};
    c.stride = {8};
    c.stem_in_features = 48;
    c.stem_ln = true;
    c.stem_ln_eps = 1e-5;
    c.num_patches = 250;
    c.img_size = {6, 2000};
    c.pos_embed_key = "pos_embed";
    c.head.linear_index = 3;  // LayerNorm, SelectElement, Dropout, Linear
    with_logit_scale(c, 5.0, false);
    return c;
}

// Point-Bind's Point-BERT (PointTransformer_8192point.yaml) as the fixture schema states it;
// the Point-BERT encoder reads this section itself.
nlohmann::json huge_point() {
    using nlohmann::json;
    return json{
        {"trans_dim", 384},
        {"depth", 12},
        {"num_heads", 6},
        {"group_size", 32},
        {"num_group", 512},
        {"encoder_dims", 256},
        {"cls_dim", 40},
        {"drop_path_rate", 0.1},
        {"mlp_hidden_dim", 1536},
        {"mlp_act", "gelu_erf"},
        {"attn_qkv_bias", false},
        {"attn_scale", 0.125},
        {"block_ln_eps", 1e-05},
        {"final_ln_eps", 1e-05},
        {"bn_eps", 1e-05},
        {"pos_embed_hidden", 128},
        {"pc_projection_shape", {768, 512}},
        {"head", {{"type", "ln_linear"}, {"ln_eps", 1e-06}, {"in_dim", 512}, {"proj_bias", false}, {"linear_index", 2}}},
        {"fps",
         {{"start_index", 0},
          {"reference_start", "torch.randint(0, N) (random); fixtures pin 0"},
          {"distance", "float32 sum((p - c)**2) over xyz"},
          {"init_min_dist", 10000000000.0},
          {"argmax_ties", "lowest index"}}},
        {"knn",
         {{"distance", "float32 -2*q.p + |q|^2 + |p|^2 (square_distance)"},
          {"k", 32},
          {"order", "torch.topk(largest=False, sorted=False) order; downstream is order-invariant"}}},
        {"postprocess",
         {{"normalize", true},
          {"normalize_eps", 1e-12},
          {"logit_scale",
           {{"init", 1.0},
            {"learnable", false},
            {"max", 100.0},
            {"value_from_checkpoint_key", "log_logit_scale (exp, then clip at max)"}}}}},
    };
}

}  // namespace

ImageBindConfig ImageBindConfig::huge() {
    ImageBindConfig c;
    c.out_embed_dim = 1024;
    c.modalities["vision"] = huge_vision();
    c.modalities["text"] = huge_text();
    c.modalities["audio"] = huge_audio();
    c.modalities["depth"] = huge_depth();
    c.modalities["thermal"] = huge_thermal();
    c.modalities["imu"] = huge_imu();
    c.point = huge_point();
    c.source = "the built-in ImageBind-huge preset";
    return c;
}

}  // namespace ibllm
