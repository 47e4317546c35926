// `make-demo`: a tiny random-weight ImageBind-LLM in exactly the release's file formats, so
// that the app and CLI run end to end on a machine without the real 14 GB of weights. Its
// answers are random text; everything that shows it says so.
#include <ATen/ATen.h>
#include <faiss/IndexFlat.h>
#include <faiss/index_io.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/engine.h"
#include "engine/llama/llama_config.h"
#include "engine/llama/tokenizer.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

constexpr const char* kMarker = "DEMO_MODEL.txt";

// Text the demo tokenizer is trained on: English and Chinese, so that both stream through
// the same byte-fallback paths as the real LLaMA tokenizer.
constexpr const char* kCorpus = R"(Below is an instruction that describes a task. Write a response that appropriately completes the request.
### Instruction:
Describe this image.
### Input:
What is in the picture?
### Response:
The image shows a small white dog sitting on the green grass in a sunny park.
A bird is singing in the tree, and a car drives along the road behind the fence.
The sound is a dog barking twice, followed by a quiet breeze and distant traffic.
The point cloud looks like an airplane with two wings, a tail and a long body.
In the video a person walks across the room, opens the door and waves at the camera.
Answer in English. The answer is short and clear. Thank you for the question.
Numbers like 1, 2, 3, 10, 25 and 2048 are split into digits by the tokenizer.
这张图片显示一只白色的小狗坐在绿色的草地上。
声音是一只狗叫了两声，然后是轻柔的风声。
点云看起来像一架飞机，有两个机翼和一个尾巴。
请用中文回答。这个回答简短而清楚。谢谢你的问题。
可爱的小狗在公园里玩耍，天空是蓝色的，阳光很好。
)";

struct DemoSizes {
    int64_t dim = 128, layers = 4, heads = 4, multiple_of = 32, visual_dim = 1024, lora_rank = 16, cache_entries = 256;
};

class RandomTensors {
public:
    explicit RandomTensors(uint64_t seed) : gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}
    at::Tensor normal(at::IntArrayRef shape, double std) { return at::normal(0.0, std, shape, gen_); }
    at::Tensor uniform(at::IntArrayRef shape, double lo, double hi) {
        return at::empty(shape, at::kFloat).uniform_(lo, hi, gen_);
    }

private:
    at::Generator gen_;
};

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw Error("Cannot write " + path.string() + "; check that the folder is writable.");
}

}  // namespace

bool is_demo_model(const std::string& dir) {
    std::error_code ec;
    return !dir.empty() && fs::exists(fs::path(dir) / kMarker, ec);
}

void write_demo_model(const std::string& dir, const ProgressFn& progress) {
    auto report = [&](const std::string& s, double f) {
        if (progress) progress(s, f);
    };
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw Error("Cannot create the folder " + dir + "; choose a writable location.");
    const fs::path root(dir);
    const DemoSizes s;

    report("Training the demo tokenizer", 0.0);
    const fs::path corpus = root / "demo_corpus.txt";
    write_text(corpus, kCorpus);
    Tokenizer::train(corpus.string(), (root / "tokenizer").string(), 400);
    fs::remove(corpus, ec);
    const int64_t vocab = Tokenizer((root / "tokenizer.model").string()).n_words();

    LlamaConfig c;
    c.dim = s.dim;
    c.n_layers = s.layers;
    c.n_heads = s.heads;
    c.multiple_of = s.multiple_of;
    c.norm_eps = 1e-6;
    const int64_t D = c.dim, F = c.ffn_hidden(), H = c.n_heads, R = s.lora_rank, V = s.visual_dim;
    write_text(root / "params.json", nlohmann::json{{"dim", D}, {"multiple_of", c.multiple_of}, {"n_heads", H},
                                                    {"n_layers", c.n_layers}, {"norm_eps", c.norm_eps}, {"vocab_size", -1}}
                                         .dump());

    report("Writing consolidated.00.pth", 0.3);
    RandomTensors rnd(20260101);
    // The base model as Meta ships it: an OrderedDict of float16 tensors.
    Value base = Value::make_dict(true);
    auto half = [](const at::Tensor& t) { return Value::from_tensor(t.to(at::kHalf)); };
    base.set("tok_embeddings.weight", half(rnd.normal({vocab, D}, 1.0)));
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const std::string p = "layers." + std::to_string(i) + ".";
        for (const char* w : {"wq", "wk", "wv", "wo"}) base.set(p + "attention." + w + ".weight", half(rnd.normal({D, D}, 0.08)));
        base.set(p + "feed_forward.w1.weight", half(rnd.normal({F, D}, 0.08)));
        base.set(p + "feed_forward.w2.weight", half(rnd.normal({D, F}, 0.08)));
        base.set(p + "feed_forward.w3.weight", half(rnd.normal({F, D}, 0.08)));
        base.set(p + "attention_norm.weight", half(at::ones({D})));
        base.set(p + "ffn_norm.weight", half(at::ones({D})));
    }
    base.set("norm.weight", half(at::ones({D})));
    base.set("output.weight", half(rnd.normal({vocab, D}, 0.1)));
    base.set("rope.freqs", half(at::pow(10000.0, at::arange(0, D / H, 2, at::kFloat) / double(D / H)).reciprocal()));
    write_pth((root / "consolidated.00.pth").string(), base);

    report("Writing adapter.pth", 0.6);
    // The adapter as the release's convert_ckpt.py writes it: {'model': dict, 'config': dict}.
    Value model = Value::make_dict();
    auto f32 = [](const at::Tensor& t) { return Value::from_tensor(t); };
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const std::string p = "llama.layers." + std::to_string(i) + ".";
        model.set(p + "attention.gate", f32(rnd.uniform({1, H, 1, 1}, -1.0, 1.0)));
        model.set(p + "attention.wq.bias", f32(rnd.normal({D}, 0.05)));
        model.set(p + "attention.wo.bias", f32(rnd.normal({D}, 0.05)));
        for (const char* w : {"wq", "wk", "wv", "wo"}) {
            model.set(p + "attention.lora_" + w + "_l1.weight", f32(rnd.normal({R, D}, 0.1)));
            model.set(p + "attention.lora_" + w + "_l2.weight", f32(rnd.normal({D, R}, 0.1)));
        }
        model.set(p + "feed_forward.w1.bias", f32(rnd.normal({F}, 0.05)));
        model.set(p + "feed_forward.w2.bias", f32(rnd.normal({D}, 0.05)));
        model.set(p + "feed_forward.w3.bias", f32(rnd.normal({F}, 0.05)));
        model.set(p + "feed_forward.lora_w1_l1.weight", f32(rnd.normal({R, D}, 0.1)));
        model.set(p + "feed_forward.lora_w1_l2.weight", f32(rnd.normal({F, R}, 0.1)));
        model.set(p + "feed_forward.lora_w2_l1.weight", f32(rnd.normal({R, F}, 0.1)));
        model.set(p + "feed_forward.lora_w2_l2.weight", f32(rnd.normal({D, R}, 0.1)));
        model.set(p + "feed_forward.lora_w3_l1.weight", f32(rnd.normal({R, D}, 0.1)));
        model.set(p + "feed_forward.lora_w3_l2.weight", f32(rnd.normal({F, R}, 0.1)));
        model.set(p + "attention_norm.weight", f32(rnd.uniform({D}, 0.5, 1.5)));
        model.set(p + "ffn_norm.weight", f32(rnd.uniform({D}, 0.5, 1.5)));
    }
    model.set("llama.norm.weight", f32(rnd.uniform({D}, 0.5, 1.5)));
    model.set("image_bind_proj.weight", f32(rnd.normal({D, V}, 1.0)));
    model.set("image_bind_proj.bias", f32(rnd.normal({D}, 0.1)));
    for (int b = 1; b <= 3; ++b) {
        const std::string n = std::to_string(b);
        model.set("image_bind_norm_" + n + ".weight", f32(rnd.uniform({D}, 0.5, 1.5)));
        model.set("image_bind_f1_" + n + ".weight", f32(rnd.normal({4 * D, D}, 1.0 / std::sqrt(double(D)))));
        model.set("image_bind_f2_" + n + ".weight", f32(rnd.normal({D, 4 * D}, 0.5 / std::sqrt(double(4 * D)))));
        model.set("image_bind_f3_" + n + ".weight", f32(rnd.normal({4 * D, D}, 1.0 / std::sqrt(double(D)))));
    }
    model.set("prefix_query.weight", f32(rnd.normal({c.n_layers, D}, 0.5)));
    Value config = Value::make_dict();
    config.set("note", Value::string("DEMO MODEL: random weights written by ibllm-cli make-demo; answers are random text"));
    config.set("phase", Value::string("finetune"));
    Value adapter = Value::make_dict();
    adapter.set("model", model);
    adapter.set("config", config);
    write_pth((root / "adapter.pth").string(), adapter);

    report("Writing knn.index", 0.9);
    at::Tensor feats = rnd.normal({s.cache_entries, V}, 1.0);
    feats = (feats / feats.norm(2, {1}, true)).contiguous();
    faiss::IndexFlatIP index(V);
    index.add(s.cache_entries, feats.data_ptr<float>());
    try {
        faiss::write_index(&index, (root / "knn.index").string().c_str());
    } catch (const std::exception&) {
        throw Error("Cannot write " + (root / "knn.index").string() + "; check that the folder is writable.");
    }

    // A stand-in for an ImageBind image embedding, so the demo can be asked about "an image"
    // before the encoders exist: close to one cached feature, as a real photo would be.
    at::Tensor embedding = feats.narrow(0, 0, 1) + 0.3 * rnd.normal({1, V}, 1.0 / std::sqrt(double(V)));
    write_npy((root / "demo_image_embedding.npy").string(), embedding / embedding.norm());

    write_text(root / kMarker,
               "This folder holds the ImageBind-LLM DEMO model written by `ibllm-cli make-demo`: tiny, with random weights.\n"
               "Its answers are random text. For real answers, download LLaMA-7B (params.json, consolidated.00.pth,\n"
               "tokenizer.model), the ImageBind-LLM adapter 7B.pth and optionally knn.index, and point the app at them.\n");
    report("Demo model written", 1.0);
}

}  // namespace ibllm
