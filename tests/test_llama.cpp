// Parity of the language model with the reference goldens (fixtures/llama_adapter): the
// prefill and decode logits, the hidden states, teacher-forced logits and loss, greedy
// generations with and without the visual cache; plus the engine's conversation handling
// (KV-cache reuse, context window, cancel) and its load errors.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/bind/bind_network.h"
#include "engine/bind/fusion.h"
#include "engine/engine.h"
#include "engine/llama/decode_ops.h"
#include "engine/llama/generator.h"
#include "engine/llama/prompt.h"
#include "engine/llama/tokenizer.h"
#include "engine/llama/transformer.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;
namespace fs = std::filesystem;

namespace {

// README tolerances for a float32 reimplementation.
constexpr double kLogitTol = 1e-4;
constexpr double kLossRelTol = 1e-5;

std::vector<float> as_vector(const at::Tensor& t) {
    at::Tensor c = t.to(at::kFloat).contiguous().reshape({-1});
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

ModelPaths fixture_paths(bool with_cache) {
    ModelPaths p;
    p.llama_dir = fixture("");
    p.tokenizer = fixture("tokenizer.model");
    p.adapter = fixture("adapter.pth");
    if (with_cache) p.cache = fixture("knn.index");
    return p;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

class TestLlama : public QObject {
    Q_OBJECT

    TensorStore golden_{""};
    nlohmann::json json_;
    std::unique_ptr<Tokenizer> tokenizer_;
    std::unique_ptr<Transformer> model_;
    std::unique_ptr<BindNetwork> bind_;

    std::vector<int> prompt_ids() const { return json_["inference"]["prompt_ids"].get<std::vector<int>>(); }

    std::vector<Attachment> fused_attachments() const {
        Attachment image, audio;
        image.modality = Modality::Image;
        image.embedding = as_vector(golden_.get("visual.inputs.image"));
        image.weight = 1.0;
        audio.modality = Modality::Audio;
        audio.embedding = as_vector(golden_.get("visual.inputs.audio"));
        audio.weight = 0.5;
        return {image, audio};
    }

private Q_SLOTS:
    void initTestCase() {
        golden_ = TensorStore::from_pth(fixture("golden.pth"));
        json_ = load_json(fixture("golden.json"));
        tokenizer_ = std::make_unique<Tokenizer>(fixture("tokenizer.model"));
        TensorStore adapter = TensorStore::from_pth(fixture("adapter.pth"), "model");
        model_ = std::make_unique<Transformer>(
            load_llama_weights(fixture(""), adapter, Precision::Fp32, 512, tokenizer_->n_words(), nullptr));
        bind_ = std::make_unique<BindNetwork>(adapter, at::kFloat);
    }

    void sizesComeFromTheFiles() {
        const LlamaConfig& c = model_->config();
        const auto& set = json_["set"];
        QCOMPARE(c.dim, set["dim"].get<int64_t>());
        QCOMPARE(c.n_layers, set["n_layers"].get<int64_t>());
        QCOMPARE(c.n_heads, set["n_heads"].get<int64_t>());
        QCOMPARE(c.vocab_size, int64_t(32000));
        QCOMPARE(c.ffn_hidden(), int64_t(192));
        QCOMPARE(model_->weights().query_layer, set["n_layers"].get<int64_t>());
        QVERIFY(model_->weights().has_lora);
        QVERIFY(model_->weights().has_bias);
        QCOMPARE(LlamaConfig::llama_7b().ffn_hidden(), int64_t(11008));
    }

    void promptIdsMatchTheReference() {
        const std::string prompt = format_prompt(json_["inference"]["instruction"].get<std::string>());
        QCOMPARE(prompt, json_["inference"]["prompt"].get<std::string>());
        QCOMPARE(tokenizer_->encode(prompt, true, false), prompt_ids());
    }

    void prefillAndDecodeLogits() {
        const AdapterValues adapter = model_->adapter_values(golden_.get("visual.fused.query"));
        KvCache cache = model_->new_cache();
        std::vector<int> ids = prompt_ids();
        std::vector<at::Tensor> hidden;
        at::Tensor logits = model_->forward(std::vector<int64_t>(ids.begin(), ids.end()), 0, cache, adapter, false, &hidden);
        IBLLM_COMPARE_TENSORS(logits, golden_.get("infer.prefill.logits"), kLogitTol);
        QCOMPARE(int64_t(hidden.size()), model_->config().n_layers + 1);
        IBLLM_COMPARE_TENSORS(hidden[0], golden_.get("infer.prefill.layer0.out"), kLogitTol);
        IBLLM_COMPARE_TENSORS(hidden[1], golden_.get("infer.prefill.layer1.out"), kLogitTol);
        IBLLM_COMPARE_TENSORS(hidden.back(), golden_.get("infer.prefill.norm.out"), kLogitTol);

        const auto steps = json_["inference"]["decode_step_ids"].get<std::vector<int64_t>>();
        const auto starts = json_["inference"]["decode_start_pos"].get<std::vector<int64_t>>();
        for (size_t s = 0; s < steps.size(); ++s) {
            at::Tensor step = model_->forward({steps[s]}, starts[s], cache, adapter);
            IBLLM_COMPARE_TENSORS(step, golden_.get("infer.step" + std::to_string(s + 1) + ".logits"), kLogitTol);
        }

        // The decode loop's allocation-free step gives the same logits from its own cache.
        KvCache decode_cache = model_->new_cache();
        QVERIFY(!decode_cache.is_bf16());  // a float32 model keeps a float32 cache
        model_->forward(std::vector<int64_t>(ids.begin(), ids.end()), 0, decode_cache, adapter);
        DecodeWorkspace ws;
        for (size_t s = 0; s < steps.size(); ++s) {
            const at::Tensor& step = model_->decode(steps[s], starts[s], decode_cache, ws, adapter);
            IBLLM_COMPARE_TENSORS(step, golden_.get("infer.step" + std::to_string(s + 1) + ".logits"), kLogitTol);
        }
    }

    // The decode step against forward() on a bf16 model, token after token with and without
    // the visual input: the same kernels, so the same logits up to float summation order.
    void decodeStepMatchesForwardInBf16() {
        TensorStore adapter_file = TensorStore::from_pth(fixture("adapter.pth"), "model");
        Transformer bf16(load_llama_weights(fixture(""), adapter_file, Precision::Bf16, 512, tokenizer_->n_words(), nullptr));
        for (bool visual : {true, false}) {
            const AdapterValues adapter = visual ? bf16.adapter_values(golden_.get("visual.fused.query")) : AdapterValues();
            KvCache a = bf16.new_cache(), b = bf16.new_cache();
            QVERIFY(a.is_bf16());  // the cache is kept in the compute dtype
            const std::vector<int> ids = prompt_ids();
            const std::vector<int64_t> prompt(ids.begin(), ids.end());
            bf16.forward(prompt, 0, a, adapter);
            bf16.forward(prompt, 0, b, adapter);
            DecodeWorkspace ws;
            int64_t token = 100;
            for (int64_t pos = int64_t(prompt.size()); pos < int64_t(prompt.size()) + 6; ++pos) {
                const at::Tensor expected = bf16.forward({token}, pos, a, adapter);
                const at::Tensor& got = bf16.decode(token, pos, b, ws, adapter);
                IBLLM_COMPARE_TENSORS(got, expected, 1e-3);
                token = expected.argmax().item<int64_t>();
            }
        }
    }

    // The decode step's vectorised loops (decode_ops.h, the copy for this CPU) against the same
    // formulas in double precision.
    void decodeLoopsMatchDoublePrecision() {
        double worst_exp = 0;
        for (int i = 0; i <= 200000; ++i) {
            const float x = -87.0f + 175.0f * static_cast<float>(i) / 200000.0f;
            const double want = std::exp(static_cast<double>(x));
            worst_exp = std::max(worst_exp, std::abs(decode_ops::exp_approx(x) - want) / want);
        }
        QVERIFY2(worst_exp < 4e-7, qPrintable(QString("exp relative error %1").arg(worst_exp)));
        QCOMPARE(decode_ops::exp_approx(0.0f), 1.0f);
        QVERIFY(decode_ops::exp_approx(-1000.0f) < 1e-37f);
        QVERIFY(std::isfinite(decode_ops::exp_approx(1000.0f)) && decode_ops::exp_approx(1000.0f) > 1e38f);

        at::manual_seed(3);
        const int64_t n = 1003;  // not a multiple of any vector width
        const at::Tensor gate = at::randn({n}) * 6, up = at::randn({n}), weight = at::randn({n});
        at::Tensor g = gate.clone();
        decode_ops::swiglu(g.data_ptr<float>(), up.data_ptr<float>(), n);
        const at::Tensor gd = gate.to(at::kDouble);
        QVERIFY(at::allclose(g.to(at::kDouble), gd * at::sigmoid(gd) * up.to(at::kDouble), 1e-6, 1e-7));

        at::Tensor normed = at::empty({n});
        decode_ops::rms_norm(gate.data_ptr<float>(), weight.data_ptr<float>(), n, 1e-5f, normed.data_ptr<float>());
        const at::Tensor want_norm = gd * at::rsqrt(gd.pow(2).mean() + 1e-5) * weight.to(at::kDouble);
        QVERIFY(at::allclose(normed.to(at::kDouble), want_norm, 1e-5, 1e-6));

        at::Tensor y = up.clone();
        decode_ops::add(y.data_ptr<float>(), gate.data_ptr<float>(), n);
        QVERIFY(at::equal(y, up + gate));

        // Head sizes through every path: the general loops (8, 20, 48 in bf16), whole 128-wide
        // register blocks, and the 16- or 32-wide remainders (48, 64, 160).
        for (const auto& [T, hd] : std::vector<std::pair<int64_t, int64_t>>{
                 {1, 8}, {7, 128}, {300, 128}, {33, 20}, {45, 48}, {19, 64}, {70, 160}}) {
            const at::Tensor q = at::randn({hd}), k = at::randn({T, hd}) * 2, v = at::randn({T, hd});
            at::Tensor scores = at::empty({T}), out = at::empty({hd});
            const auto want_for = [&](const at::Tensor& keys, const at::Tensor& values) {
                const at::Tensor p = at::softmax(at::matmul(keys.to(at::kDouble), q.to(at::kDouble)) / std::sqrt(double(hd)), 0);
                return at::matmul(p, values.to(at::kDouble));
            };
            const auto error = [&](const at::Tensor& want) {
                return QString("T %1 hd %2: max error %3").arg(T).arg(hd).arg((out.to(at::kDouble) - want).abs().max().item<double>());
            };
            decode_ops::attention_head(q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), T, hd,
                                       scores.data_ptr<float>(), out.data_ptr<float>());
            const at::Tensor want = want_for(k, v);
            QVERIFY2(at::allclose(out.to(at::kDouble), want, 1e-5, 1e-6), qPrintable(error(want)));

            // A bf16 cache: the same sums over the rounded keys and values.
            const at::Tensor kb = k.to(at::kBFloat16), vb = v.to(at::kBFloat16);
            decode_ops::attention_head(q.data_ptr<float>(), static_cast<const uint16_t*>(kb.data_ptr()),
                                       static_cast<const uint16_t*>(vb.data_ptr()), T, hd, scores.data_ptr<float>(),
                                       out.data_ptr<float>());
            const at::Tensor want_b = want_for(kb, vb);
            QVERIFY2(at::allclose(out.to(at::kDouble), want_b, 1e-5, 1e-6), qPrintable(error(want_b)));
            QVERIFY(!at::allclose(want_b, want, 1e-5, 1e-6));  // the rounding is visible, so the check can fail
        }

        // Rounding to bf16: the bits a tensor copy gives (to nearest, ties to even); NaN stays a
        // NaN (ATen's vectorised copy writes 0xffff, c10::BFloat16 0x7fc0: either is a NaN).
        at::Tensor x = at::cat({at::randn({n}) * 1000, at::tensor({0.0f, -0.0f, 1e-40f, 3.4e38f, INFINITY, -INFINITY, NAN}),
                                // ties: the bits just below, at and above half a bf16 step
                                at::tensor({1.00390625f, 1.01171875f, 1.0039063f, 1.0039062f})});
        std::vector<uint16_t> bits(x.numel());
        decode_ops::to_bf16(x.data_ptr<float>(), bits.data(), x.numel());
        const at::Tensor want_bits = x.to(at::kBFloat16);
        const auto* want_raw = static_cast<const uint16_t*>(want_bits.data_ptr());
        for (int64_t i = 0; i < x.numel(); ++i)
            QVERIFY2(std::isnan(x[i].item<float>()) ? (bits[i] & 0x7f80) == 0x7f80 && (bits[i] & 0x7f) != 0 : bits[i] == want_raw[i], qPrintable(QString("%1 -> %2, c10 gives %3").arg(x[i].item<float>()).arg(bits[i], 0, 16).arg(want_raw[i], 0, 16)));
    }

    void bindNetworkFeedsTheModel() {
        // The fused query through our own bind network, then the same prefill.
        const at::Tensor fused = golden_.get("visual.fused.pre_proj").reshape({1, -1});
        const at::Tensor query = bind_->forward(fused);
        IBLLM_COMPARE_TENSORS(query, golden_.get("visual.fused.query"), kLogitTol);
        KvCache cache = model_->new_cache();
        std::vector<int> ids = prompt_ids();
        at::Tensor logits = model_->forward(std::vector<int64_t>(ids.begin(), ids.end()), 0, cache, model_->adapter_values(query));
        IBLLM_COMPARE_TENSORS(logits, golden_.get("infer.prefill.logits"), kLogitTol);
    }

    void teacherForcedLogitsAndLoss() {
        const auto tokens = to_ids(json_["train"]["tokens"]);
        const auto labels = to_ids(json_["train"]["labels"]);
        const at::Tensor query = bind_->forward(fuse_embeddings({{golden_.get("visual.inputs.image"), 1.0}}));
        IBLLM_COMPARE_TENSORS(query, golden_.get("train.visual_query"), kLogitTol);
        KvCache cache = model_->new_cache();
        std::vector<at::Tensor> hidden;
        at::Tensor logits = model_->forward(tokens, 0, cache, model_->adapter_values(query), true, &hidden);
        QCOMPARE(logits.size(0), int64_t(tokens.size()));
        IBLLM_COMPARE_TENSORS(logits, golden_.get("train.logits"), kLogitTol);
        IBLLM_COMPARE_TENSORS(hidden[0], golden_.get("train.layer0.out"), kLogitTol);
        IBLLM_COMPARE_TENSORS(hidden[1], golden_.get("train.layer1.out"), kLogitTol);
        // CrossEntropy(ignore_index=0) of logits[:-1] against labels[1:], as the reference.
        at::Tensor target = at::tensor(std::vector<int64_t>(labels.begin() + 1, labels.end()));
        at::Tensor loss = at::cross_entropy_loss(logits.narrow(0, 0, logits.size(0) - 1), target, {}, at::Reduction::Mean, 0);
        const double expected = golden_.get("train.loss").item<double>();
        QVERIFY2(std::abs(loss.item<double>() - expected) <= kLossRelTol * std::abs(expected),
                 qPrintable(QString("loss %1 vs %2").arg(loss.item<double>(), 0, 'g', 10).arg(expected, 0, 'g', 10)));
    }

    void greedyGeneration_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("noknn") << "noknn";
        QTest::newRow("knn") << "knn";
    }

    void greedyGeneration() {
        QFETCH(QString, name);
        const auto& g = json_["generate"][name.toStdString()];
        Engine engine;
        LoadOptions options;
        options.precision = Precision::Fp32;
        options.context = g["max_gen_len"].get<int>() + 512;
        engine.load(fixture_paths(g["knn"].get<bool>()), options);

        AskRequest req;
        req.prompt = json_["inference"]["instruction"].get<std::string>();
        req.attachments = fused_attachments();
        req.sampling.temperature = 0;
        req.sampling.max_tokens = g["max_gen_len"].get<int>();
        req.cache.k = g["cache_size"].get<int>();
        req.cache.t = g["cache_t"].get<double>();
        req.cache.w = g["cache_weight"].get<double>();

        // The visual query the generation uses.
        const at::Tensor query = at::tensor(engine.visual_query(req.attachments, req.cache));
        IBLLM_COMPARE_TENSORS(query, golden_.get("gen." + name.toStdString() + ".visual_query"), kLogitTol);

        std::string streamed;
        AskStats stats = engine.ask(req, [&](const std::string& t) { streamed += t; });
        QCOMPARE(stats.ids, g["generated_ids"].get<std::vector<int>>());
        QCOMPARE(stats.text, g["text"].get<std::string>());
        QCOMPARE(streamed, stats.text);
        QCOMPARE(stats.prompt_tokens, int(g["prompt_ids"].size()));
        QCOMPARE(stats.stopped_on_eos, g["stopped_on_eos"].get<bool>());
    }

    void greedyStepLogits_data() { greedyGeneration_data(); }

    void greedyStepLogits() {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        const auto& g = json_["generate"][n];
        const AdapterValues adapter = model_->adapter_values(golden_.get("gen." + n + ".visual_query"));
        Generator gen(*model_, *tokenizer_);
        SamplingSettings gs;
        gs.temperature = 0;
        gs.max_tokens = g["max_gen_len"].get<int>();
        std::vector<at::Tensor> rows;
        GenerationResult r = gen.generate(prompt_ids(), adapter, gs, nullptr, nullptr,
                                          [&](const at::Tensor& l) { rows.push_back(l.clone()); });
        const at::Tensor expected = golden_.get("gen." + n + ".step_logits");
        QCOMPARE(int64_t(rows.size()), expected.size(0));
        QCOMPARE(int(rows.size()), g["n_forward_calls"].get<int>());
        IBLLM_COMPARE_TENSORS(at::stack(rows), expected, kLogitTol);
        QCOMPARE(r.ids, g["generated_ids"].get<std::vector<int>>());
    }

    void conversationReusesTheKvCache() {
        // A second turn must give the same logits whether its shared prefix comes from the
        // cache or is recomputed: this exercises the chunk-after-prefix causal mask.
        const AdapterValues adapter = model_->adapter_values(golden_.get("visual.fused.query"));
        SamplingSettings gs;
        gs.temperature = 0;
        gs.max_tokens = 6;
        Generator warm(*model_, *tokenizer_);
        GenerationResult first = warm.generate(prompt_ids(), adapter, gs, nullptr);
        std::vector<ChatTurn> history{{"Describe this image.", "", first.text}};
        const std::string second = format_conversation(history, "What colour is it?", "", AnswerLanguage::Auto);
        const std::vector<int> ids = tokenizer_->encode(second, true, false);

        std::vector<at::Tensor> reused_rows, fresh_rows;
        GenerationResult reused = warm.generate(ids, adapter, gs, nullptr, nullptr, [&](const at::Tensor& l) { reused_rows.push_back(l.clone()); });
        Generator cold(*model_, *tokenizer_);
        GenerationResult fresh = cold.generate(ids, adapter, gs, nullptr, nullptr, [&](const at::Tensor& l) { fresh_rows.push_back(l.clone()); });
        QVERIFY2(reused.reused_tokens >= int(prompt_ids().size()) - 1,
                 qPrintable(QString("reused only %1 tokens").arg(reused.reused_tokens)));
        QCOMPARE(fresh.reused_tokens, 0);
        QCOMPARE(reused.ids, fresh.ids);
        IBLLM_COMPARE_TENSORS(at::stack(reused_rows), at::stack(fresh_rows), kLogitTol);

        // A different visual input invalidates every cached position.
        GenerationResult other = warm.generate(ids, model_->adapter_values(golden_.get("visual.single.query")), gs, nullptr);
        QCOMPARE(other.reused_tokens, 0);
    }

    // The cache of a 7B-sized context costs memory only for the positions written: 2 GiB of
    // float32 for 2048 positions would otherwise be resident before the first token.
    void kvCacheIsResidentOnlyWhereWritten() {
        const auto rss_mib = [] {
            std::ifstream f("/proc/self/status");
            for (std::string line; std::getline(f, line);)
                if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
            return -1.0;
        };
        const double before = rss_mib();
        if (before < 0) QSKIP("/proc/self/status is not readable here");
        KvCache cache(32, 32, 128, 2048, at::kFloat);  // LLaMA-7B: 2 GiB if it were all resident
        const at::Tensor kv = at::ones({16, 32, 128}, at::kFloat);
        at::Tensor keys, values;
        for (int64_t layer = 0; layer < 32; ++layer) cache.append(layer, 0, kv, kv, keys, values);
        QCOMPARE(keys.size(1), int64_t(16));
        QCOMPARE(keys.sum().item<double>(), 32.0 * 16 * 128);
        const double grown = rss_mib() - before;
        QVERIFY2(grown < 256, qPrintable(QString("the cache made %1 MiB resident for 16 positions").arg(grown)));
    }

    void bf16AgreesWithFp32() {
        // bf16 is checked against fp32 by top-1 agreement over the teacher-forced positions.
        TensorStore adapter = TensorStore::from_pth(fixture("adapter.pth"), "model");
        Transformer bf16(load_llama_weights(fixture(""), adapter, Precision::Bf16, 512, tokenizer_->n_words(), nullptr));
        QCOMPARE(bf16.compute_dtype(), at::kBFloat16);
        const auto tokens = to_ids(json_["train"]["tokens"]);
        const at::Tensor query = golden_.get("train.visual_query");
        KvCache c1 = model_->new_cache(), c2 = bf16.new_cache();
        at::Tensor a = model_->forward(tokens, 0, c1, model_->adapter_values(query), true);
        at::Tensor b = bf16.forward(tokens, 0, c2, bf16.adapter_values(query), true);
        const double agree = a.argmax(-1).eq(b.argmax(-1)).to(at::kDouble).mean().item<double>();
        qInfo("bf16 vs fp32 top-1 agreement: %.3f over %lld positions, max abs logit diff %.4f", agree,
              static_cast<long long>(tokens.size()), max_abs_diff(a, b));
        QVERIFY2(agree >= 0.8, qPrintable(QString("top-1 agreement %1").arg(agree)));
        QVERIFY(max_abs_diff(a, b) < 0.5);
    }

    void precisionAutoPicksBf16ForHalfCheckpoints() {
        Engine engine;
        engine.load(fixture_paths(false), LoadOptions{});
        QCOMPARE(QString::fromStdString(engine.info().precision), QString("bf16"));
        QCOMPARE(engine.info().dim, int64_t(64));
        QVERIFY(!engine.info().demo);
    }

    void contextWindowDropsOldestTurns() {
        Engine engine;
        LoadOptions options;
        options.precision = Precision::Fp32;
        options.context = 160;
        engine.load(fixture_paths(false), options);
        AskRequest req;
        req.attachments = fused_attachments();
        req.sampling.temperature = 0;
        req.sampling.max_tokens = 8;
        for (int i = 0; i < 6; ++i)
            req.history.push_back({"Question number " + std::to_string(i) + " about the picture?", "",
                                   "An answer that takes a few tokens of space."});
        req.prompt = "And now?";
        AskStats stats = engine.ask(req, nullptr);
        QVERIFY(stats.dropped_turns > 0);
        QVERIFY(stats.dropped_turns < 6);
        QVERIFY(stats.prompt_tokens + 8 <= 160);
        QCOMPARE(stats.generated_tokens, 8);

        req.history.clear();
        req.prompt = std::string(2000, 'x');
        bool threw = false;
        try {
            engine.ask(req, nullptr);
        } catch (const Error& e) {
            threw = QString(e.what()).contains("context window");
        }
        QVERIFY(threw);
    }

    void cancelStopsWithinOneToken() {
        Engine engine;
        LoadOptions options;
        options.precision = Precision::Fp32;
        engine.load(fixture_paths(false), options);
        AskRequest req;
        req.prompt = "Describe this image.";
        req.attachments = fused_attachments();
        req.sampling.temperature = 0;
        req.sampling.max_tokens = 400;
        std::atomic<int> pieces{0};
        std::thread canceller;
        AskStats stats = engine.ask(req, [&](const std::string&) {
            // Cancel from another thread, as the app's UI thread does.
            if (++pieces == 1) {
                canceller = std::thread([&] { engine.cancel(); });
                canceller.join();
            }
        });
        QVERIFY(stats.cancelled);
        QVERIFY2(stats.generated_tokens <= 5, qPrintable(QString("%1 tokens after cancel").arg(stats.generated_tokens)));
        // The engine stays usable after a cancel.
        req.sampling.max_tokens = 3;
        AskStats again = engine.ask(req, nullptr);
        QVERIFY(!again.cancelled);
        QCOMPARE(again.generated_tokens, 3);
    }

    void textOnlyQuestionHasNoInjection() {
        Engine engine;
        LoadOptions options;
        options.precision = Precision::Fp32;
        engine.load(fixture_paths(false), options);
        AskRequest req;
        req.prompt = "Describe this image.";
        req.sampling.temperature = 0;
        req.sampling.max_tokens = 5;
        AskStats text_only = engine.ask(req, nullptr);
        req.attachments = fused_attachments();
        engine.reset_conversation();
        AskStats with_image = engine.ask(req, nullptr);
        QCOMPARE(text_only.generated_tokens, 5);
        QVERIFY(text_only.ids != with_image.ids);
    }

    void loadErrorsNameTheFile() {
        const fs::path dir = fs::temp_directory_path() / "ibllm_test_llama_errors";
        fs::remove_all(dir);
        fs::create_directories(dir);
        auto expect_error = [](const ModelPaths& p, const QString& must_contain) {
            Engine e;
            try {
                e.load(p, LoadOptions{});
            } catch (const Error& err) {
                const QString msg = QString::fromUtf8(err.what());
                if (!msg.contains(must_contain)) QFAIL(qPrintable("message lacks '" + must_contain + "': " + msg));
                return;
            }
            QFAIL(qPrintable("no error for a case expecting " + must_contain));
        };
        // The base checkpoint given as the adapter.
        ModelPaths p = fixture_paths(false);
        p.adapter = fixture("consolidated.00.pth");
        expect_error(p, "consolidated.00.pth");
        // A folder without params.json.
        p = fixture_paths(false);
        p.llama_dir = dir.string();
        expect_error(p, "params.json");
        // A 13B params.json next to the 7B-shaped weights.
        fs::copy_file(fixture("consolidated.00.pth"), dir / "consolidated.00.pth");
        std::ofstream(dir / "params.json") << R"({"dim": 5120, "multiple_of": 256, "n_heads": 40, "n_layers": 40, "norm_eps": 1e-06, "vocab_size": -1})";
        expect_error(p, "LLaMA-13B");
        // A cache of the wrong dimension is refused by name.
        p = fixture_paths(false);
        p.cache = fixture("adapter.pth");
        expect_error(p, "adapter.pth");
        fs::remove_all(dir);
    }
};

QTEST_GUILESS_MAIN(TestLlama)
#include "test_llama.moc"
