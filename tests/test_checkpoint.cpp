// Tests of engine/checkpoint: the real-format fixtures (.pth written by torch 1.13), files this
// module writes (.pth, .safetensors, .npy) read back, hand-written pickles for views and for
// hostile content, and every way a damaged file must turn into an ibllm::Error naming it.
#include <QtTest/QtTest>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"
#include "engine/checkpoint/checkpoint_inspect.h"
#include "engine/checkpoint/crc32.h"
#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/pickle_reader.h"
#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/checkpoint/zip_reader.h"
#include "engine/checkpoint/zip_writer.h"
#include "engine/error.h"

using namespace ibllm;

namespace {

using ibllm::test::fixture;

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string file_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// Runs `f`, which must throw ibllm::Error whose message names `path`'s file and contains
// every string in `parts`. Any other exception, or none, fails the test.
#define EXPECT_ERROR(path, f, ...)                                                                    \
    do {                                                                                              \
        std::string message_;                                                                         \
        bool thrown_ = false;                                                                         \
        try {                                                                                         \
            f;                                                                                        \
        } catch (const ibllm::Error& e) {                                                             \
            thrown_ = true;                                                                           \
            message_ = e.what();                                                                      \
        }                                                                                             \
        QVERIFY2(thrown_, ("no ibllm::Error for " + std::string(path)).c_str());                      \
        QVERIFY2(message_.find(file_name(path)) != std::string::npos, message_.c_str());              \
        for (const std::string& part_ : std::vector<std::string>{__VA_ARGS__})                        \
            QVERIFY2(message_.find(part_) != std::string::npos, (message_ + "  [missing: " + part_ + "]").c_str()); \
    } while (0)

// Builds pickle bytes opcode by opcode, for tests that need content torch.save never writes.
struct Pickle {
    std::string b;
    Pickle& raw(const std::string& s) {
        b += s;
        return *this;
    }
    Pickle& op(uint8_t c) {
        b += static_cast<char>(c);
        return *this;
    }
    Pickle& proto() { return op(0x80).op(2); }
    Pickle& str(const std::string& s) {
        op('X');
        for (int k = 0; k < 4; ++k) op(static_cast<uint8_t>(s.size() >> (8 * k)));
        return raw(s);
    }
    Pickle& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
    Pickle& k(int v) { return op('K').op(static_cast<uint8_t>(v)); }
    Pickle& tuple_of(std::initializer_list<int> v) {
        op('(');
        for (int x : v) k(x);
        return op('t');
    }
    // ('storage', torch.<type>, key, 'cpu', numel) BINPERSID
    Pickle& storage(const std::string& type, const std::string& key, int numel) {
        op('(').str("storage").global("torch", type).str(key).str("cpu").k(numel).op('t');
        return op('Q');
    }
    Pickle& hooks() { return global("collections", "OrderedDict").op(')').op('R'); }
    // _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
    Pickle& tensor(const std::string& type, const std::string& key, int numel, int offset, std::initializer_list<int> size,
                   std::initializer_list<int> stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        storage(type, key, numel).k(offset).tuple_of(size).tuple_of(stride).op(0x89).hooks();
        return op('t').op('R');
    }
};

// A .pth-like zip holding `pickle` as <prefix>/data.pkl plus the given storage records.
void write_archive(const std::string& path, const std::string& prefix, const std::string& pickle,
                   const std::vector<std::pair<std::string, std::string>>& records = {}) {
    ZipWriter zip(path);
    zip.add(prefix + "/data.pkl", pickle.data(), pickle.size());
    for (const auto& r : records) zip.add(prefix + "/data/" + r.first, r.second.data(), r.second.size());
    zip.add(prefix + "/version", "3\n", 2);
    zip.finish();
}

std::string float_bytes(const std::vector<float>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

bool inside(const MappedFile& f, const at::Tensor& t) {
    return f.contains(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
}

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    std::string tmp(const std::string& name) const { return tmp_.path().toStdString() + "/" + name; }

private Q_SLOTS:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    // ---- the real-format fixtures -----------------------------------------------------------

    void reads_base_llama_checkpoint() {
        const PthFile pth = read_pth(fixture("consolidated.00.pth"));
        const Value& root = pth.root;
        QVERIFY(root.is_dict());
        QVERIFY(root.ordered);  // collections.OrderedDict (its _metadata BUILD is accepted)
        QCOMPARE(root.dict.size(), size_t(22));  // tok, 2 x 9 per layer, norm, output, rope.freqs

        const at::Tensor wq = root.find("layers.0.attention.wq.weight")->as_tensor();
        QCOMPARE(wq.scalar_type(), at::kHalf);
        QCOMPARE(wq.sizes().vec(), (std::vector<int64_t>{64, 64}));
        // Expected values decoded from the raw record bytes independently of this module.
        QCOMPARE(wq[0][0].item<float>(), -0.09320068359375f);
        QCOMPARE(wq[0][3].item<float>(), 0.012969970703125f);
        QCOMPARE(wq[63][63].item<float>(), 0.050994873046875f);

        const at::Tensor tok = root.find("tok_embeddings.weight")->as_tensor();
        QCOMPARE(tok.sizes().vec(), (std::vector<int64_t>{32000, 64}));
        QCOMPARE(tok[0][1].item<float>(), -0.75f);
        QCOMPARE(tok[31999][63].item<float>(), -0.5625f);
        QVERIFY(std::abs(tok[5].to(at::kDouble).sum().item<double>() - -2.4109702110290527) < 1e-9);

        // Meta's rope.freqs are 10000^(-i/8) for head_dim 16, stored in float16.
        const at::Tensor freqs = root.find("rope.freqs")->as_tensor();
        QCOMPARE(freqs.sizes().vec(), (std::vector<int64_t>{8}));
        for (int i = 0; i < 8; ++i) {
            const double want = std::pow(10000.0, -i / 8.0);
            QVERIFY(std::abs(freqs[i].item<double>() - want) <= want * 1e-3);
        }
        // Base norms were drawn from U(0.8, 1.2).
        const at::Tensor norm = root.find("layers.1.ffn_norm.weight")->as_tensor().to(at::kFloat);
        QVERIFY(norm.min().item<float>() >= 0.8f && norm.max().item<float>() <= 1.2f);

        // Zero-copy: every tensor views the mapping, 64-byte aligned as torch stores it.
        for (const auto& kv : root.dict) {
            const at::Tensor& t = kv.second.as_tensor();
            QVERIFY2(inside(*pth.file, t), kv.first.s.c_str());
            QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % 64, uintptr_t(0));
        }
    }

    void tensors_outlive_the_reader_objects() {
        at::Tensor wq;
        {
            TensorStore store = TensorStore::from_pth(fixture("consolidated.00.pth"));
            wq = store.get("layers.0.attention.wq.weight");
        }
        // The deleter holds the mapping: still readable after the store and PthFile are gone.
        QCOMPARE(wq[0][0].item<float>(), -0.09320068359375f);
    }

    void release_keeps_data_readable() {
        const PthFile pth = read_pth(fixture("consolidated.00.pth"));
        const at::Tensor tok = pth.root.find("tok_embeddings.weight")->as_tensor();
        const double before = tok.to(at::kDouble).sum().item<double>();
        pth.file->release(tok.data_ptr(), static_cast<size_t>(tok.numel()) * tok.element_size());
        pth.file->release(pth.file->data() - 100, 10);  // outside the mapping: ignored
        QCOMPARE(tok.to(at::kDouble).sum().item<double>(), before);
    }

    void reads_adapter_checkpoint() {
        const PthFile pth = read_pth(fixture("adapter.pth"));
        QVERIFY(pth.root.is_dict());
        QVERIFY(!pth.root.ordered);
        const Value* config = pth.root.find("config");
        QVERIFY(config && config->is_dict());
        QCOMPARE(config->find("phase")->as_string(), std::string("finetune"));
        QCOMPARE(config->find("legacy_bridge")->as_bool(), false);
        QCOMPARE(config->find("w_lora")->as_bool(), true);
        QCOMPARE(config->find("imagebind_dim")->as_int(), int64_t(32));
        QCOMPARE(config->find("max_seq_len")->as_int(), int64_t(512));
        QCOMPARE(config->find("max_seq_len")->as_float(), 512.0);
        QVERIFY(config->find("norm_eps") == nullptr);
        QVERIFY_THROWS_EXCEPTION(ibllm::Error, config->find("phase")->as_int());

        const TensorStore store = TensorStore::from_pth(fixture("adapter.pth"), "model");
        QCOMPARE(store.size(), size_t(60));
        QCOMPARE(store.names().front(), std::string("image_bind_proj.weight"));
        QCOMPARE(store.names().back(), std::string("prefix_query.weight"));
        const at::Tensor proj = store.get("image_bind_proj.weight", {64, 32});
        QCOMPARE(proj.scalar_type(), at::kFloat);
        QCOMPARE(store.get("prefix_query.weight").sizes().vec(), (std::vector<int64_t>{2, 64}));
        // Adapter norms were drawn from U(0.5, 1.5), unlike the base file's.
        const at::Tensor norm = store.get("llama.norm.weight", {64});
        QVERIFY(norm.min().item<float>() >= 0.5f && norm.max().item<float>() <= 1.5f);
        QVERIFY(!store.contains("config.phase"));

        // Without a subkey, nested dicts become dotted names and settings are skipped.
        const TensorStore all = TensorStore::from_pth(fixture("adapter.pth"));
        QCOMPARE(all.size(), size_t(60));
        QVERIFY(all.contains("model.image_bind_proj.weight"));
    }

    void reads_golden_checkpoint() {
        const TensorStore golden = TensorStore::from_pth(fixture("golden.pth"));
        std::ifstream json_file(fixture("golden.json"));
        const nlohmann::json json = nlohmann::json::parse(json_file);

        const at::Tensor loss = golden.get("train.loss");
        QCOMPARE(loss.dim(), int64_t(0));
        QCOMPARE(loss.scalar_type(), at::kFloat);
        QCOMPARE(loss.item<double>(), json["train"]["loss"].get<double>());
        QVERIFY(std::abs(loss.item<double>() - 10.646321296691895) < 1e-6);

        QCOMPARE(golden.get("infer.prefill.logits").sizes().vec(), (std::vector<int64_t>{1, 32000}));
        // Renormalised top-p probabilities sum to one.
        const at::Tensor renorm = golden.get("top_p.small.renorm").to(at::kDouble);
        QVERIFY(std::abs(renorm.sum().item<double>() - 1.0) < 1e-5);
        QVERIFY(golden.contains("visual.inputs.image"));
        QCOMPARE(golden.size(), size_t(36));
    }

    void inspects_checkpoints() {
        const auto base = inspect_checkpoint_entries(fixture("consolidated.00.pth"));
        QCOMPARE(base.size(), size_t(22));
        QCOMPARE(base[0].name, std::string("tok_embeddings.weight"));
        QCOMPARE(base[0].dtype, std::string("float16"));
        QCOMPARE(base[0].shape, (std::vector<int64_t>{32000, 64}));
        QVERIFY(base[0].is_tensor && base[0].value.empty());

        const auto adapter = inspect_checkpoint_entries(fixture("adapter.pth"));
        QCOMPARE(adapter.size(), size_t(60 + 10));
        const auto find = [&](const std::string& name) -> const CheckpointEntryInfo* {
            for (const auto& e : adapter)
                if (e.name == name) return &e;
            return nullptr;
        };
        QVERIFY(find("model.prefix_query.weight") && find("model.prefix_query.weight")->is_tensor);
        QCOMPARE(find("config.phase")->value, std::string("'finetune'"));
        QCOMPARE(find("config.phase")->dtype, std::string("str"));
        QVERIFY(!find("config.phase")->is_tensor);
        QCOMPARE(find("config.w_bias")->value, std::string("True"));
        QCOMPARE(find("config.lora_rank")->value, std::string("16"));
    }

    // ---- pickle details -----------------------------------------------------------------

    void reads_strided_and_offset_views() {
        std::vector<float> data(12);
        for (int i = 0; i < 12; ++i) data[i] = static_cast<float>(i);
        Pickle p;
        p.proto().op('}').op('(');
        p.str("view").tensor("FloatStorage", "0", 12, 2, {2, 3}, {1, 2});
        // A Parameter wrapping a view of the same storage, with requires_grad True.
        p.str("param").global("torch._utils", "_rebuild_parameter").op('(');
        p.tensor("FloatStorage", "0", 12, 8, {4}, {1}).op(0x88).hooks().op('t').op('R');
        p.str("scalar").tensor("FloatStorage", "0", 12, 11, {}, {});
        p.str("empty").tensor("FloatStorage", "0", 12, 0, {0, 5}, {5, 1});
        p.op('u').op('.');
        // The archive folder need not match the file name.
        const std::string path = tmp("strided.pth");
        write_archive(path, "archive", p.b, {{"0", float_bytes(data)}});

        const PthFile pth = read_pth(path);
        const at::Tensor view = pth.root.find("view")->as_tensor();
        QCOMPARE(view.sizes().vec(), (std::vector<int64_t>{2, 3}));
        QCOMPARE(view.strides().vec(), (std::vector<int64_t>{1, 2}));
        QCOMPARE(view.storage_offset(), int64_t(0));  // the offset is folded into the data pointer
        const float want[2][3] = {{2, 4, 6}, {3, 5, 7}};
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j) QCOMPARE(view[i][j].item<float>(), want[i][j]);
        QVERIFY(inside(*pth.file, view));

        const at::Tensor param = pth.root.find("param")->as_tensor();
        QCOMPARE(param.sizes().vec(), (std::vector<int64_t>{4}));
        QCOMPARE(param[0].item<float>(), 8.0f);
        QCOMPARE(param[3].item<float>(), 11.0f);
        QCOMPARE(pth.root.find("scalar")->as_tensor().item<float>(), 11.0f);
        QCOMPARE(pth.root.find("empty")->as_tensor().sizes().vec(), (std::vector<int64_t>{0, 5}));
    }

    void view_outside_its_storage_is_corrupt() {
        const std::string data = float_bytes(std::vector<float>(12, 1.0f));
        {
            Pickle p;  // last element 8 + 1*1 + 2*2 = 13 > 11
            p.proto().tensor("FloatStorage", "0", 12, 8, {2, 3}, {1, 2}).op('.');
            const std::string path = tmp("past_end.pth");
            write_archive(path, "past_end", p.b, {{"0", data}});
            EXPECT_ERROR(path, read_pth(path), "corrupt", "past the end");
        }
        {
            Pickle p;  // the storage claims more elements than its record holds
            p.proto().tensor("FloatStorage", "0", 100, 0, {4}, {1}).op('.');
            const std::string path = tmp("short_record.pth");
            write_archive(path, "short_record", p.b, {{"0", data}});
            EXPECT_ERROR(path, read_pth(path), "corrupt");
        }
        {
            Pickle p;  // record "data/7" does not exist
            p.proto().tensor("FloatStorage", "7", 4, 0, {4}, {1}).op('.');
            const std::string path = tmp("missing_record.pth");
            write_archive(path, "missing_record", p.b, {{"0", data}});
            EXPECT_ERROR(path, read_pth(path), "'7'");
        }
    }

    void byte_storage_and_misaligned_records() {
        // A uint8 storage read whole: 'x' followed by three floats.
        const std::vector<float> v = {1.5f, 2.5f, 3.5f};
        const std::string bytes = "x" + float_bytes(v);
        Pickle p;
        p.proto().tensor("ByteStorage", "0", 13, 0, {13}, {1}).op('.');
        const std::string path = tmp("bytes.pth");
        write_archive(path, "bytes", p.b, {{"0", bytes}});
        const PthFile pth = read_pth(path);
        const at::Tensor raw = pth.root.as_tensor();
        QCOMPARE(raw.scalar_type(), at::kByte);
        QCOMPARE(raw.numel(), int64_t(13));
        QCOMPARE(raw[0].item<uint8_t>(), uint8_t('x'));

        // Records from other writers need not be aligned: a float storage at an odd address
        // must still give the right values (the reader copies it rather than misalign a pointer).
        const StorageResolver odd = [&](const std::string&) {
            return StorageRecord{reinterpret_cast<const uint8_t*>(bytes.data()) + 1, 12, nullptr};
        };
        Pickle q;
        q.proto().tensor("FloatStorage", "0", 3, 0, {3}, {1}).op('.');
        const at::Tensor t = read_pickle(reinterpret_cast<const uint8_t*>(q.b.data()), q.b.size(), "odd.pth", odd).as_tensor();
        QCOMPARE(t[0].item<float>(), 1.5f);
        QCOMPARE(t[2].item<float>(), 3.5f);
    }

    void pickle_memo_shares_containers() {
        // d = {}; root = [d, d]; d['a'] = 1 after both references exist: both see it.
        Pickle p;
        p.proto().op(']').op('q').op(0).op('}').op('q').op(1).op('h').op(1).op(0x86);  // [] , {} , ({}, {})
        p.op('(').op('h').op(1).op('t').op(0x85);  // wrap to keep stack interesting: (({},),)
        p.op('0').op('0');                           // POP both tuples
        p.op('h').op(1).op('a');                     // list.append(d)
        p.op('h').op(1).op('a');                     // list.append(d)
        p.op('h').op(1).str("a").k(1).op('s').op('0');  // d['a'] = 1, pop d
        p.op('.');
        const Value v = read_pickle(reinterpret_cast<const uint8_t*>(p.b.data()), p.b.size(), "memo.pth", nullptr);
        QVERIFY(v.is_list());
        QCOMPARE(v.items.size(), size_t(2));
        QCOMPARE(v.items[0].find("a")->as_int(), int64_t(1));
        QCOMPARE(v.items[1].find("a")->as_int(), int64_t(1));
    }

    void refuses_code_in_pickles() {
        {
            Pickle p;
            p.proto().global("os", "system").str("echo pwned > /tmp/ibllm_pwned").op(0x85).op('R').op('.');
            const std::string path = tmp("model.pth");
            write_archive(path, "model", p.b);
            EXPECT_ERROR(path, read_pth(path), "'os.system'", "refused", "not executed");
            QVERIFY(!QFile::exists("/tmp/ibllm_pwned"));
        }
        {
            Pickle p;  // STACK_GLOBAL form (protocol 4)
            p.proto().str("builtins").str("eval").op(0x93).str("1").op(0x85).op('R').op('.');
            const std::string path = tmp("stack_global.pth");
            write_archive(path, "stack_global", p.b);
            EXPECT_ERROR(path, read_pth(path), "'builtins.eval'", "refused");
        }
        {
            Pickle p;  // a torch global that is not a storage or dtype
            p.proto().global("torch", "load").op('.');
            const std::string path = tmp("torch_load.pth");
            write_archive(path, "torch_load", p.b);
            EXPECT_ERROR(path, read_pth(path), "'torch.load'", "refused");
        }
    }

    void unsupported_storage_dtype() {
        Pickle p;
        p.proto().tensor("ComplexFloatStorage", "0", 2, 0, {2}, {1}).op('.');
        const std::string path = tmp("complex.pth");
        write_archive(path, "complex", p.b, {{"0", std::string(16, '\0')}});
        EXPECT_ERROR(path, read_pth(path), "ComplexFloatStorage", "cannot read");
    }

    void dtype_globals_are_accepted() {
        // torch.float16 as a storage type (TypedStorage era) and as a plain value.
        Pickle p;
        p.proto().op('}').op('(').str("w").tensor("float16", "0", 2, 0, {2}, {1});
        p.str("dtype").global("torch", "bfloat16").op('u').op('.');
        const std::string path = tmp("dtype_globals.pth");
        const uint16_t halves[2] = {0x3c00, 0x4000};  // 1.0, 2.0
        write_archive(path, "dtype_globals", p.b, {{"0", std::string(reinterpret_cast<const char*>(halves), 4)}});
        const PthFile pth = read_pth(path);
        QCOMPARE(pth.root.find("w")->as_tensor().scalar_type(), at::kHalf);
        QCOMPARE(pth.root.find("w")->as_tensor()[1].item<float>(), 2.0f);
        QCOMPARE(pth.root.find("dtype")->as_string(), std::string("torch.bfloat16"));
    }

    void corrupt_pickles_never_crash() {
        // Every prefix of a real data.pkl, and every single-byte change, must either parse or
        // throw ibllm::Error: never crash, hang or throw anything else.
        const auto file = MappedFile::open(fixture("adapter.pth"));
        const ZipReader zip(file);
        const ZipEntry* pkl = zip.find("adapter/data.pkl");
        QVERIFY(pkl);
        const std::string original(reinterpret_cast<const char*>(zip.data(*pkl)), static_cast<size_t>(pkl->size));
        const StorageResolver storages = [&](const std::string& key) {
            const ZipEntry* e = zip.find("adapter/data/" + key);
            if (!e) throw Error("adapter.pth: no record " + key);
            return StorageRecord{zip.data(*e), static_cast<size_t>(e->size), file};
        };
        const auto parse = [&](const std::string& bytes) -> int {
            try {
                read_pickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "adapter.pth", storages);
                return 0;
            } catch (const ibllm::Error& e) {
                return std::string(e.what()).find("adapter.pth") != std::string::npos ? 1 : 2;
            }
        };
        QCOMPARE(parse(original), 0);
        for (size_t n = 0; n < original.size(); ++n) QCOMPARE(parse(original.substr(0, n)), 1);
        int errors = 0;
        const uint8_t replacements[] = {0x00, 0xFF, '(', 'R', 'h', 'J', 'X'};
        for (size_t at = 0; at < original.size(); ++at)
            for (uint8_t r : replacements) {
                if (static_cast<uint8_t>(original[at]) == r) continue;
                std::string bad = original;
                bad[at] = static_cast<char>(r);
                const int result = parse(bad);
                QVERIFY(result != 2);
                errors += result;
            }
        QVERIFY(errors > 1000);  // most changes are caught
    }

    void nesting_and_expansion_are_bounded() {
        Pickle deep;
        deep.proto();
        for (int k = 0; k < 200000; ++k) deep.op(']');
        for (int k = 0; k < 199999; ++k) deep.op('a');
        deep.op('.');
        EXPECT_ERROR("deep.pth", read_pickle(reinterpret_cast<const uint8_t*>(deep.b.data()), deep.b.size(), "deep.pth", nullptr),
                     "deep");

        // "Billion laughs": each list holds the previous one twice.
        Pickle wide;
        wide.proto().op(']').op('q').op(0);
        for (int k = 1; k < 60; ++k) wide.op('h').op(k - 1).op('h').op(k - 1).op(0x86).op('q').op(k);
        wide.op('.');
        EXPECT_ERROR("wide.pth", read_pickle(reinterpret_cast<const uint8_t*>(wide.b.data()), wide.b.size(), "wide.pth", nullptr),
                     "enormous");
    }

    // ---- writing .pth -------------------------------------------------------------------

    void pth_round_trip() {
        Value root = Value::make_dict(true);
        const at::Tensor f32 = at::arange(12, at::kFloat).reshape({3, 4});
        root.set("f32", Value::from_tensor(f32));
        root.set("transposed", Value::from_tensor(f32.t()));  // non-contiguous: stored as a copy
        root.set("bf16", Value::from_tensor(at::linspace(-2, 2, 7).to(at::kBFloat16)));
        root.set("f16", Value::from_tensor(at::tensor({0.5, -1.25}).to(at::kHalf)));
        root.set("i64", Value::from_tensor(at::tensor({int64_t(1) << 40, int64_t(-3)})));
        root.set("mask", Value::from_tensor(at::tensor({1, 0, 1}).to(at::kBool)));
        root.set("scalar", Value::from_tensor(at::scalar_tensor(10.5)));
        root.set("empty", Value::from_tensor(at::empty({0, 3})));
        Value config = Value::make_dict();
        config.set("phase", Value::string("finetune"));
        config.set("eps", Value::real(1e-06));
        config.set("big", Value::integer(int64_t(1) << 40));
        config.set("negative", Value::integer(-70000));
        config.set("min", Value::integer(INT64_MIN));
        config.set("flag", Value::boolean(true));
        config.set("nothing", Value::none());
        config.set("blob", Value::bytes(std::string("\0\1\2", 3)));
        config.set("sizes", Value::list({Value::integer(1), Value::integer(300)}));
        config.set("pair", Value::tuple({Value::string("a"), Value::real(-2.5)}));
        config.set("one", Value::tuple({Value::integer(7)}));
        config.set("layers", Value::list({Value::from_tensor(at::ones({2})), Value::from_tensor(at::zeros({1}))}));
        root.set("config", config);

        const std::string path = tmp("round trip.pth");
        write_pth(path, root);
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));

        // The layout torch.save produces: <stem>/data.pkl first, aligned records, version last.
        const ZipReader zip(MappedFile::open(path));
        QCOMPARE(zip.entries().front().name, std::string("round trip/data.pkl"));
        QCOMPARE(zip.entries().back().name, std::string("round trip/version"));
        QCOMPARE(std::string(reinterpret_cast<const char*>(zip.data(zip.entries().back())), 2), std::string("3\n"));
        for (const ZipEntry& e : zip.entries()) {
            QCOMPARE(e.method, uint16_t(0));
            QCOMPARE(e.data_offset % 64, uint64_t(0));
            QVERIFY(zip.crc_matches(e));
        }

        const PthFile back = read_pth(path);
        QVERIFY(back.root.ordered);
        QCOMPARE(back.root.dict.size(), root.dict.size());
        for (const auto& kv : root.dict) {
            const Value* got = back.root.find(kv.first.s);
            QVERIFY2(got && got->is_tensor() == kv.second.is_tensor(), kv.first.s.c_str());
            if (!got->is_tensor()) continue;
            QCOMPARE(got->tensor.scalar_type(), kv.second.tensor.scalar_type());
            QCOMPARE(got->tensor.sizes(), kv.second.tensor.sizes());
            QVERIFY2(at::equal(got->tensor, kv.second.tensor), kv.first.s.c_str());
            QVERIFY(got->tensor.is_contiguous());
        }
        const Value* c = back.root.find("config");
        QVERIFY(c && c->is_dict() && !c->ordered);
        QCOMPARE(c->find("phase")->as_string(), std::string("finetune"));
        QCOMPARE(c->find("eps")->as_float(), 1e-06);
        QCOMPARE(c->find("big")->as_int(), int64_t(1) << 40);
        QCOMPARE(c->find("negative")->as_int(), int64_t(-70000));
        QCOMPARE(c->find("min")->as_int(), INT64_MIN);
        QCOMPARE(c->find("flag")->as_bool(), true);
        QVERIFY(c->find("nothing")->is_none());
        QCOMPARE(c->find("blob")->s, std::string("\0\1\2", 3));
        QCOMPARE(c->find("sizes")->items[1].as_int(), int64_t(300));
        QCOMPARE(c->find("pair")->items[1].as_float(), -2.5);
        QVERIFY(c->find("one")->is_tuple());
        QCOMPARE(c->find("layers")->items[0].as_tensor().sum().item<float>(), 2.0f);

        // The listing shows settings the way Python prints them.
        const auto entries = inspect_checkpoint_entries(path);
        const auto value_of = [&](const std::string& name) {
            for (const auto& e : entries)
                if (e.name == name) return e.value;
            return std::string("<absent>");
        };
        QCOMPARE(value_of("config.eps"), std::string("1e-06"));
        QCOMPARE(value_of("config.phase"), std::string("'finetune'"));
        QCOMPARE(value_of("config.sizes"), std::string("[1, 300]"));
        QCOMPARE(value_of("config.pair"), std::string("('a', -2.5)"));
        QCOMPARE(value_of("config.one"), std::string("(7,)"));
        QCOMPARE(value_of("config.nothing"), std::string("None"));
        QCOMPARE(value_of("config.layers.1"), std::string(""));  // a tensor: listed by shape
    }

    void rewriting_a_fixture_keeps_it_readable() {
        // Fixture -> write_pth -> read_pth gives bit-identical tensors in the same order.
        const PthFile base = read_pth(fixture("consolidated.00.pth"));
        const std::string path = tmp("consolidated.00.pth");
        write_pth(path, base.root);
        const PthFile again = read_pth(path);
        QCOMPARE(again.root.dict.size(), base.root.dict.size());
        for (size_t k = 0; k < base.root.dict.size(); ++k) {
            QCOMPARE(again.root.dict[k].first.s, base.root.dict[k].first.s);
            QVERIFY(at::equal(again.root.dict[k].second.tensor, base.root.dict[k].second.tensor));
        }
    }

    void streaming_write_gives_the_same_bytes() {
        // Placeholders on the meta device, filled while writing, give the file that the
        // in-memory form gives for the same data (the benchmark writes LLaMA-7B this way).
        at::manual_seed(7);
        const std::vector<at::Tensor> data = {at::randn({3, 5}).to(at::kHalf), at::arange(12, at::kLong),
                                              at::randn({2, 2, 3}), at::empty({0, 4})};
        Value whole = Value::make_dict(true), streamed = Value::make_dict(true);
        for (size_t k = 0; k < data.size(); ++k) {
            const std::string name = "t" + std::to_string(k);
            whole.set(name, Value::from_tensor(data[k]));
            streamed.set(name, Value::from_tensor(at::empty(data[k].sizes(), at::device(at::kMeta).dtype(data[k].scalar_type()))));
        }
        Value nested = Value::make_dict();
        nested.set("inner", Value::from_tensor(at::ones({4})));
        whole.set("nested", nested);
        Value nested_placeholder = Value::make_dict();
        nested_placeholder.set("inner", Value::from_tensor(at::empty({4}, at::device(at::kMeta).dtype(at::kFloat))));
        streamed.set("nested", nested_placeholder);

        const std::string a = tmp("whole.pth"), b = tmp("streamed/whole.pth");
        QDir().mkpath(QString::fromStdString(tmp("streamed")));
        write_pth(a, whole);
        std::vector<size_t> asked;
        write_pth(b, streamed, [&](size_t index, const at::Tensor& placeholder) {
            asked.push_back(index);
            return index < data.size() ? data[index] : at::ones({4});
        });
        std::sort(asked.begin(), asked.end());
        QCOMPARE(asked, (std::vector<size_t>{0, 1, 2, 3, 4}));
        QFile fa(QString::fromStdString(a)), fb(QString::fromStdString(b));
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        QVERIFY(fa.readAll() == fb.readAll());

        // Data of the wrong shape, or a placeholder with no data source, is a clear error.
        EXPECT_ERROR(b, write_pth(b, streamed, [&](size_t, const at::Tensor&) { return at::zeros({1}); }), "placeholder's shape");
        EXPECT_ERROR(b, write_pth(b, streamed), "no data was given");
    }

    void python_float_repr_matches_python() {
        QCOMPARE(python_float_repr(1e-06), std::string("1e-06"));
        QCOMPARE(python_float_repr(0.0001), std::string("0.0001"));
        QCOMPARE(python_float_repr(1.0), std::string("1.0"));
        QCOMPARE(python_float_repr(512.0), std::string("512.0"));
        QCOMPARE(python_float_repr(0.1), std::string("0.1"));
        QCOMPARE(python_float_repr(-2.5), std::string("-2.5"));
        QCOMPARE(python_float_repr(1e16), std::string("1e+16"));
        QCOMPARE(python_float_repr(123456789012345.6), std::string("123456789012345.6"));
        QCOMPARE(python_float_repr(10.646321296691895), std::string("10.646321296691895"));
        QCOMPARE(python_float_repr(1.0 / 3.0), std::string("0.3333333333333333"));
        QCOMPARE(python_float_repr(std::nan("")), std::string("nan"));
    }

    // ---- zip details --------------------------------------------------------------------

    void zip64_archives_are_read() {
        const std::string path = tmp("zip64.pth");
        Pickle p;
        p.proto().tensor("FloatStorage", "0", 3, 0, {3}, {1}).op('.');
        const std::string data = float_bytes({4, 5, 6});
        {
            ZipWriter zip(path, /*force_zip64=*/true);
            zip.add("zip64/data.pkl", p.b.data(), p.b.size());
            zip.add("zip64/data/0", data.data(), data.size());
            zip.finish();
        }
        const ZipReader zip(MappedFile::open(path));
        QCOMPARE(zip.entries().size(), size_t(2));
        QCOMPARE(zip.find("zip64/data/0")->size, uint64_t(12));
        QCOMPARE(read_pth(path).root.as_tensor()[2].item<float>(), 6.0f);
    }

    void crc32_known_value() {
        QCOMPARE(crc32_update(0, "123456789", 9), 0xCBF43926u);
        const std::string s(1000, 'a');
        QCOMPARE(crc32_update(crc32_update(0, s.data(), 333), s.data() + 333, 667), crc32_update(0, s.data(), 1000));
    }

    void compressed_record_is_refused() {
        Pickle p;
        p.proto().op('N').op('.');
        const std::string path = tmp("deflated.pth");
        write_archive(path, "deflated", p.b);
        // Mark data.pkl as deflated (method 8) in its local and central headers.
        std::string bytes = read_bytes(path);
        bytes[8] = 8;
        const size_t central = bytes.find(std::string("PK\x01\x02", 4));
        bytes[central + 10] = 8;
        write_bytes(path, bytes);
        EXPECT_ERROR(path, read_pth(path), "compressed");
    }

    // ---- damaged and wrong files --------------------------------------------------------

    void missing_empty_and_folder() {
        const std::string missing = tmp("no_such_file.pth");
        EXPECT_ERROR(missing, read_pth(missing), "does not exist");
        EXPECT_ERROR(missing, TensorStore::from_safetensors(missing), "does not exist");
        EXPECT_ERROR(missing, read_npy(missing), "does not exist");

        const std::string empty = tmp("empty.pth");
        write_bytes(empty, "");
        EXPECT_ERROR(empty, read_pth(empty), "empty");
        EXPECT_ERROR(empty, inspect_checkpoint_entries(empty), "empty");

        const std::string folder = tmp("folder.pth");
        QVERIFY(QDir().mkpath(QString::fromStdString(folder)));
        EXPECT_ERROR(folder, read_pth(folder), "folder");
    }

    void not_a_zip_and_legacy_format() {
        const std::string text = tmp("notes.pth");
        write_bytes(text, "these are not weights\n");
        EXPECT_ERROR(text, read_pth(text), "not a PyTorch checkpoint");

        const std::string legacy = tmp("old_model.pth");
        // What torch < 1.6 writes first: pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2).
        const char magic[] = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";
        write_bytes(legacy, std::string(magic, 15) + "\x80\x02}q\x00.");
        EXPECT_ERROR(legacy, read_pth(legacy), "legacy (torch < 1.6) format", "torch.save(obj, path)");
        EXPECT_ERROR(legacy, inspect_checkpoint_entries(legacy), "legacy");

        // A zip without data.pkl is some other archive.
        const std::string other = tmp("photos.pth");
        {
            ZipWriter zip(other);
            zip.add("photo.jpg", "jpeg", 4);
            zip.finish();
        }
        EXPECT_ERROR(other, read_pth(other), "no data.pkl");
    }

    void truncated_files_give_errors() {
        for (const std::string name : {"adapter.pth", "consolidated.00.pth"}) {
            const std::string whole = read_bytes(fixture(name));
            const size_t n = whole.size();
            const size_t lengths[] = {1, 2, 3, 4, 10, 29, 30, 100, 4096, n / 4, n / 2, 3 * n / 4, n - 100,
                                      n - 23, n - 22, n - 21, n - 10, n - 1};
            for (size_t len : lengths) {
                const std::string path = tmp("cut_" + std::to_string(len) + "_" + name);
                write_bytes(path, whole.substr(0, len));
                EXPECT_ERROR(path, read_pth(path), "truncated or corrupt", "download it again");
                EXPECT_ERROR(path, TensorStore::from_pth(path, "model"), "truncated or corrupt");
                EXPECT_ERROR(path, inspect_checkpoint_entries(path), "truncated or corrupt");
            }
        }
    }

    void corrupt_data_pkl_is_detected() {
        std::string bytes = read_bytes(fixture("adapter.pth"));
        const auto file = MappedFile::open(fixture("adapter.pth"));
        const ZipReader zip(file);
        const ZipEntry* pkl = zip.find("adapter/data.pkl");
        bytes[pkl->data_offset + pkl->size / 2] ^= 0x5A;
        const std::string path = tmp("flipped_adapter.pth");
        write_bytes(path, bytes);
        EXPECT_ERROR(path, read_pth(path), "truncated or corrupt", "checksum");

        // A directory offset pointing past the end of the file. torch always writes the ZIP64
        // end record, whose 64-bit offset is the one readers use: corrupt that one.
        std::string broken = read_bytes(fixture("adapter.pth"));
        const size_t eocd64 = broken.rfind(std::string("PK\x06\x06", 4));
        QVERIFY(eocd64 != std::string::npos);
        broken[eocd64 + 48 + 5] = '\x7f';
        const std::string path2 = tmp("bad_directory.pth");
        write_bytes(path2, broken);
        EXPECT_ERROR(path2, read_pth(path2), "truncated or corrupt");
    }

    void corrupt_zip_structures_never_crash() {
        // Every byte of a small archive (headers, directory, end records) changed in turn:
        // reading must succeed or throw ibllm::Error, nothing else.
        Pickle p;
        p.proto().op('}').op('(').str("w").tensor("FloatStorage", "0", 4, 0, {2, 2}, {2, 1}).op('u').op('.');
        const std::string clean = tmp("small.pth");
        write_archive(clean, "small", p.b, {{"0", float_bytes({1, 2, 3, 4})}});
        const std::string whole = read_bytes(clean);
        const std::string path = tmp("mutated.pth");
        int errors = 0;
        for (size_t at = 0; at < whole.size(); ++at)
            for (uint8_t r : {uint8_t(0x00), uint8_t(0xFF), uint8_t(whole[at] ^ 0x10)}) {
                if (static_cast<uint8_t>(whole[at]) == r) continue;
                std::string bad = whole;
                bad[at] = static_cast<char>(r);
                write_bytes(path, bad);
                try {
                    const PthFile pth = read_pth(path);
                    const Value* w = pth.root.find("w");
                    if (w && w->is_tensor()) (void)w->tensor.sum().item<float>();
                } catch (const ibllm::Error& e) {
                    QVERIFY2(std::string(e.what()).find("mutated.pth") != std::string::npos, e.what());
                    ++errors;
                }
            }
        QVERIFY(errors > 100);
    }

    void missing_key_and_shape_mismatch() {
        const std::string path = fixture("adapter.pth");
        const TensorStore store = TensorStore::from_pth(path, "model");
        EXPECT_ERROR(path, store.get("image_bind_proj.weight", {4096, 1024}), "'image_bind_proj.weight'",
                     "has shape [64, 32]", "needs [4096, 1024]");
        EXPECT_ERROR(path, store.get("no.such.weight"), "has no tensor 'no.such.weight'", "right checkpoint");
        // A prefix difference is pointed out.
        EXPECT_ERROR(path, store.get("norm.weight"), "'llama.norm.weight'");
        EXPECT_ERROR(path, TensorStore::from_pth(path, "weights"), "no 'weights' entry", "'model'", "'config'");

        const std::string base = fixture("consolidated.00.pth");
        const TensorStore llama = TensorStore::from_pth(base);
        EXPECT_ERROR(base, llama.get("layers.0.attention.wq.weight", {5120, 5120}),
                     "consolidated.00.pth: 'layers.0.attention.wq.weight' has shape [64, 64] but the model needs [5120, 5120]",
                     "does not belong with the other model files");
        QCOMPARE(shape_string(at::IntArrayRef{4096, 4096}), std::string("[4096, 4096]"));
        QCOMPARE(shape_string(at::IntArrayRef{}), std::string("[]"));
    }

    // ---- safetensors ----------------------------------------------------------------------

    void safetensors_round_trip() {
        const std::vector<std::pair<std::string, at::Tensor>> tensors = {
            {"h", at::tensor({1.0, -2.0, 3.0}).to(at::kHalf)},  // odd byte count before the wider ones
            {"w", at::randn({5, 3}).t()},                          // non-contiguous
            {"b", at::linspace(-1, 1, 9).to(at::kBFloat16)},
            {"ids", at::tensor({int64_t(7), int64_t(-8)})},
            {"mask", at::tensor({1, 0}).to(at::kBool)},
            {"u8", at::tensor({uint8_t(0), uint8_t(255)}, at::kByte)},
            {"scalar", at::scalar_tensor(2.5, at::kDouble)},
            {"none", at::empty({0}, at::kInt)},
        };
        const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"source", "test"}};
        const std::string path = tmp("weights.safetensors");
        write_safetensors(path, tensors, metadata);

        const std::string bytes = read_bytes(path);
        uint64_t header = 0;
        std::memcpy(&header, bytes.data(), 8);
        QCOMPARE((8 + header) % 8, uint64_t(0));

        const SafetensorsFile st = read_safetensors(path);
        QCOMPARE(st.metadata, metadata);
        QCOMPARE(st.tensors.size(), tensors.size());
        for (const auto& want : tensors) {
            bool found = false;
            for (const auto& got : st.tensors)
                if (got.first == want.first) {
                    found = true;
                    QCOMPARE(got.second.scalar_type(), want.second.scalar_type());
                    QVERIFY2(at::equal(got.second, want.second), want.first.c_str());
                    if (got.second.numel()) {
                        QVERIFY(inside(*st.file, got.second));
                        QCOMPARE(reinterpret_cast<uintptr_t>(got.second.data_ptr()) % got.second.element_size(), uintptr_t(0));
                    }
                }
            QVERIFY2(found, want.first.c_str());
        }
        const TensorStore store = TensorStore::from_safetensors(path);
        QCOMPARE(store.get("b", {9}).scalar_type(), at::kBFloat16);

        const auto listing = inspect_checkpoint_entries(path);
        QCOMPARE(listing.size(), tensors.size() + metadata.size());
    }

    void safetensors_errors() {
        const auto header_file = [&](const std::string& name, const std::string& json, const std::string& data) {
            std::string bytes(8, '\0');
            for (int k = 0; k < 8; ++k) bytes[k] = static_cast<char>((json.size() >> (8 * k)) & 0xFF);
            const std::string path = tmp(name);
            write_bytes(path, bytes + json + data);
            return path;
        };
        const std::string f8 = header_file("f8.safetensors", R"({"x":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "ab");
        EXPECT_ERROR(f8, read_safetensors(f8), "F8_E4M3", "cannot read");
        const std::string mismatch =
            header_file("mismatch.safetensors", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd");
        EXPECT_ERROR(mismatch, read_safetensors(mismatch), "truncated or corrupt");
        const std::string beyond =
            header_file("beyond.safetensors", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "abcd");
        EXPECT_ERROR(beyond, read_safetensors(beyond), "truncated or corrupt");
        const std::string bad_json = header_file("bad_json.safetensors", R"({"x":{"dtype":)", "");
        EXPECT_ERROR(bad_json, read_safetensors(bad_json), "not valid JSON");
        const std::string no_shape = header_file("no_shape.safetensors", R"({"x":{"dtype":"F32"}})", "");
        EXPECT_ERROR(no_shape, read_safetensors(no_shape), "truncated or corrupt");

        // Cut a valid file at several lengths.
        const std::string path = tmp("cut_me.safetensors");
        write_safetensors(path, {{"a", at::ones({16})}, {"b", at::zeros({4}, at::kHalf)}});
        const std::string whole = read_bytes(path);
        for (size_t len : {size_t(3), size_t(8), size_t(20), whole.size() / 2, whole.size() - 1}) {
            const std::string cut = tmp("cut_" + std::to_string(len) + ".safetensors");
            write_bytes(cut, whole.substr(0, len));
            EXPECT_ERROR(cut, read_safetensors(cut), "truncated or corrupt");
        }
        const std::string text = tmp("text.safetensors");
        write_bytes(text, "hello there, not a tensor file");
        EXPECT_ERROR(text, read_safetensors(text), "not a safetensors file");
    }

    // ---- npy ------------------------------------------------------------------------------

    void npy_round_trip() {
        const std::vector<at::Tensor> arrays = {
            at::arange(12, at::kFloat).reshape({3, 4}), at::tensor({1.5, -2.25}), at::scalar_tensor(int64_t(42)),
            at::tensor({int32_t(-1), int32_t(2)}), at::tensor({0.5, 1.0}).to(at::kHalf), at::randn({2, 3, 4}).permute({2, 0, 1}),
            at::tensor({1, 0}).to(at::kBool),
        };
        for (size_t k = 0; k < arrays.size(); ++k) {
            const std::string path = tmp("array" + std::to_string(k) + ".npy");
            write_npy(path, arrays[k]);
            const std::string bytes = read_bytes(path);
            const size_t header_len = static_cast<uint8_t>(bytes[8]) | (size_t(static_cast<uint8_t>(bytes[9])) << 8);
            QCOMPARE((10 + header_len) % 64, size_t(0));
            QCOMPARE(bytes[9 + header_len], '\n');
            const at::Tensor back = read_npy(path);
            QCOMPARE(back.scalar_type(), arrays[k].scalar_type());
            QVERIFY2(at::equal(back, arrays[k]), path.c_str());
        }
        // The exact header numpy writes for a float32 (3, 4) array.
        const std::string first = read_bytes(tmp("array0.npy"));
        QVERIFY(first.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }") == 10);
        QVERIFY(read_bytes(tmp("array1.npy")).find("'shape': (2,), }") != std::string::npos);
        QVERIFY(read_bytes(tmp("array2.npy")).find("'shape': (), }") != std::string::npos);

        // A Fortran-ordered (2, 3) array written by hand: column-major data.
        std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
        header.append(64 - (10 + header.size() + 1) % 64, ' ');
        header += '\n';
        const std::vector<float> column_major = {1, 4, 2, 5, 3, 6};  // rows [1 2 3], [4 5 6]
        const std::string path = tmp("fortran.npy");
        write_bytes(path, std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xFF) + char(header.size() >> 8) +
                              header + float_bytes(column_major));
        const at::Tensor f = read_npy(path);
        QCOMPARE(f.sizes().vec(), (std::vector<int64_t>{2, 3}));
        QCOMPARE(f[0][2].item<float>(), 3.0f);
        QCOMPARE(f[1][0].item<float>(), 4.0f);
        const auto listing = inspect_checkpoint_entries(path);
        QCOMPARE(listing.size(), size_t(1));
        QCOMPARE(listing[0].dtype, std::string("float32"));
    }

    void npy_errors() {
        const auto npy = [&](const std::string& name, const std::string& header, const std::string& data) {
            const std::string path = tmp(name);
            write_bytes(path, std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xFF) + char(header.size() >> 8) +
                                  header + data);
            return path;
        };
        const std::string big_endian = npy("big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", "abcd");
        EXPECT_ERROR(big_endian, read_npy(big_endian), "'>f4'", "cannot read");
        const std::string complex = npy("complex.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", "abcdefgh");
        EXPECT_ERROR(complex, read_npy(complex), "'<c8'");
        const std::string short_data = npy("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", "abcd");
        EXPECT_ERROR(short_data, read_npy(short_data), "truncated");
        const std::string garbled = npy("garbled.npy", "{'descr': '<f4', 'shape': [1], }\n", "abcd");
        EXPECT_ERROR(garbled, read_npy(garbled), "corrupt");
        const std::string not_npy = tmp("not.npy");
        write_bytes(not_npy, "PK\x03\x04 not numpy");
        EXPECT_ERROR(not_npy, read_npy(not_npy), "not a NumPy .npy file");
        const std::string cut = tmp("cut.npy");
        write_bytes(cut, std::string("\x93NUMPY\x01\x00\x40", 9));
        EXPECT_ERROR(cut, read_npy(cut), "truncated");
        EXPECT_ERROR("x.npy", write_npy(tmp("x.npy"), at::ones({2}, at::kBFloat16)), "BFloat16");
    }

    void writers_report_unwritable_paths() {
        const std::string path = tmp("no_such_folder/out.pth");
        EXPECT_ERROR(path, write_pth(path, Value::make_dict()), "Could not write");
        EXPECT_ERROR(path, write_safetensors(path, {{"a", at::ones({1})}}), "Could not write");
        EXPECT_ERROR(path, write_npy(path, at::ones({1})), "Could not write");
    }
};

QTEST_APPLESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
