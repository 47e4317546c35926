// The tokenizer against the reference SentencePiece goldens (ids, pieces, decoding), the
// streaming detokenizer against whole-sequence decoding, the Alpaca prompt templates and
// the product's multi-turn / answer-language extensions, the error messages for wrong
// files, and training a demo tokenizer.
//
// This binary links libtorch and runs ATen computations before and after tokenizing on
// purpose: SentencePiece and libtorch cannot share one symbol lookup (their protobuf
// versions clash), and this is where a regression of the module isolation would show.
#include "test_paths.h"
#include "engine/error.h"
#include "engine/llama/detokenizer.h"
#include "engine/llama/prompt.h"
#include "engine/llama/tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace ibllm;
using json = nlohmann::json;

namespace {

const std::string kData = ibllm::test::data_path("llama_adapter/");
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

QByteArray bytes(const std::string& s) { return QByteArray::fromStdString(s); }

QByteArray ids_text(const std::vector<int>& ids) {
    std::ostringstream out;
    for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
    return QByteArray::fromStdString(out.str());
}

std::vector<int> json_ids(const json& j) { return j.get<std::vector<int>>(); }

// A product whose exact value is known: fails loudly if libtorch got broken by
// SentencePiece's protobuf in this process.
void check_torch_still_works() {
    const at::Tensor a = at::arange(6, at::kFloat).reshape({2, 3});
    const at::Tensor b = at::arange(6, at::kFloat).reshape({3, 2});
    const at::Tensor c = at::matmul(a, b);
    // [[0,1,2],[3,4,5]] x [[0,1],[2,3],[4,5]] = [[10,13],[28,40]]
    QCOMPARE(c.index({0, 0}).item<float>(), 10.0f);
    QCOMPARE(c.index({0, 1}).item<float>(), 13.0f);
    QCOMPARE(c.index({1, 0}).item<float>(), 28.0f);
    QCOMPARE(c.index({1, 1}).item<float>(), 40.0f);
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

struct StreamResult {
    std::vector<std::string> pushes;
    std::string flushed;
    std::string all() const {
        std::string s;
        for (const auto& p : pushes) s += p;
        return s + flushed;
    }
};

StreamResult stream(const Tokenizer& tok, const std::vector<int>& ids) {
    StreamingDetokenizer detok(tok);
    StreamResult r;
    for (int id : ids) r.pushes.push_back(detok.push(id));
    r.flushed = detok.flush();
    return r;
}

void write_file(const QString& path, const std::string& content) {
    std::ofstream f(path.toStdString(), std::ios::binary);
    f << content;
}

std::string read_file(const QString& path) {
    std::ifstream f(path.toStdString(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// The message of the ibllm::Error `fn` throws, or an empty string when it throws none.
template <typename Fn>
QString error_of(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

    json golden_;
    json tok_golden_;
    std::unique_ptr<Tokenizer> tok_;

private Q_SLOTS:
    void initTestCase() {
        check_torch_still_works();
        std::ifstream f(kData + "golden.json");
        QVERIFY(f.good());
        golden_ = json::parse(f);
        tok_golden_ = golden_.at("tokenizer");

        // The module is looked up on first use, so a wrong IBLLM_SPM_MODULE is reported
        // (and the next attempt, with the variable gone, still succeeds).
        ::setenv("IBLLM_SPM_MODULE", "/nonexistent/libibllm_spm.so", 1);
        const QString msg = error_of([] { Tokenizer t(kData + "tokenizer.model"); });
        ::unsetenv("IBLLM_SPM_MODULE");
        QVERIFY2(msg.contains("/nonexistent/libibllm_spm.so"), qPrintable(msg));
        QVERIFY2(msg.contains("IBLLM_SPM_MODULE"), qPrintable(msg));

        tok_ = std::make_unique<Tokenizer>(kData + "tokenizer.model");
        check_torch_still_works();
    }

    void cleanupTestCase() { check_torch_still_works(); }

    void vocabulary() {
        QCOMPARE(tok_->n_words(), tok_golden_.at("n_words").get<int>());
        QCOMPARE(tok_->bos_id(), tok_golden_.at("bos_id").get<int>());
        QCOMPARE(tok_->eos_id(), tok_golden_.at("eos_id").get<int>());
        QCOMPARE(tok_->pad_id(), tok_golden_.at("pad_id").get<int>());
        QCOMPARE(tok_->unk_id(), tok_golden_.at("unk_id").get<int>());
        QVERIFY(tok_->is_control(1) && tok_->is_control(2));
        QVERIFY(tok_->is_unknown(0));
        QVERIFY(tok_->is_byte(3) && tok_->is_byte(258) && !tok_->is_byte(259));
        QCOMPARE(tok_->byte_value(3), 0x00);
        QCOMPARE(tok_->byte_value(13), 0x0A);
        QCOMPARE(tok_->byte_value(258), 0xFF);
        QCOMPARE(tok_->byte_value(15043), -1);
        QCOMPARE(bytes(tok_->id_to_piece(15043)), bytes("\xE2\x96\x81Hello"));
    }

    void golden_cases() {
        const json& cases = tok_golden_.at("cases");
        QVERIFY(cases.size() >= 16);
        for (const json& c : cases) {
            const std::string name = c.at("name").get<std::string>();
            const std::string text = c.at("text").get<std::string>();
            const std::vector<int> ids = json_ids(c.at("ids"));
            const std::vector<int> encoded = tok_->encode(text, true, false);
            QVERIFY2(ids_text(encoded) == ids_text(ids), name.c_str());

            const auto pieces = c.at("pieces").get<std::vector<std::string>>();
            QCOMPARE(pieces.size(), ids.size());
            bool any_byte = false;
            for (size_t i = 0; i < ids.size(); ++i) {
                QCOMPARE(bytes(tok_->id_to_piece(ids[i])), bytes(pieces[i]));
                any_byte = any_byte || tok_->is_byte(ids[i]);
            }
            QCOMPARE(any_byte, c.at("uses_byte_fallback").get<bool>());

            QCOMPARE(bytes(tok_->decode(ids)), bytes(c.at("decoded").get<std::string>()));
            const std::vector<int> without_bos(ids.begin() + 1, ids.end());
            QCOMPARE(bytes(tok_->decode(without_bos)),
                     bytes(c.at("decoded_without_bos").get<std::string>()));

            // EOS on request, at the end only.
            const std::vector<int> with_eos = tok_->encode(text, false, true);
            QCOMPARE(with_eos.back(), tok_->eos_id());
            QCOMPARE(ids_text(std::vector<int>(with_eos.begin(), with_eos.end() - 1)),
                     ids_text(without_bos));
        }
    }

    void literal_special_tokens_are_text() {
        const std::vector<int> ids = tok_->encode("<s></s>", false, false);
        QVERIFY(ids.size() > 2);
        for (int id : ids) {
            QVERIFY(id != tok_->bos_id());
            QVERIFY(id != tok_->eos_id());
        }
        QCOMPARE(bytes(tok_->decode(ids)), bytes("<s></s>"));
        QCOMPARE(tok_->encode("", true, false), std::vector<int>{1});
        QVERIFY(tok_->encode("", false, false).empty());
    }

    void decode_cases() {
        const json& cases = tok_golden_.at("decode_cases");
        QVERIFY(cases.size() >= 7);
        for (const json& c : cases) {
            const std::vector<int> ids = json_ids(c.at("ids"));
            const std::string decoded = c.at("decoded").get<std::string>();
            QCOMPARE(bytes(tok_->decode(ids)), bytes(decoded));
            const auto each = c.at("decode_each_token").get<std::vector<std::string>>();
            const auto pieces = c.at("pieces").get<std::vector<std::string>>();
            for (size_t i = 0; i < ids.size(); ++i) {
                QCOMPARE(bytes(tok_->decode({ids[i]})), bytes(each[i]));
                QCOMPARE(bytes(tok_->id_to_piece(ids[i])), bytes(pieces[i]));
            }
            // Streaming keeps the spaces and <unk> that per-token decoding gets wrong.
            QCOMPARE(bytes(stream(*tok_, ids).all()), bytes(decoded));
        }
    }

    void decode_rejects_unknown_ids() {
        const QString msg = error_of([this] { tok_->decode({15043, 32000}); });
        QVERIFY2(msg.contains("32000") && msg.contains("tokenizer.model"), qPrintable(msg));
        QVERIFY(!error_of([this] { tok_->decode({-5}); }).isEmpty());
        QVERIFY(!error_of([this] { tok_->id_to_piece(32000); }).isEmpty());
        QVERIFY(!tok_->is_byte(-1) && !tok_->is_byte(40000));
    }

    void streaming_golden() {
        const json& s = tok_golden_.at("streaming");
        const std::vector<int> ids = json_ids(s.at("ids"));
        QCOMPARE(ids_text(tok_->encode(s.at("text").get<std::string>(), false, false)), ids_text(ids));
        const auto prefixes = s.at("decode_prefixes").get<std::vector<std::string>>();
        const auto each = s.at("decode_each_token").get<std::vector<std::string>>();
        const std::string full = s.at("full_decode").get<std::string>();
        QCOMPARE(prefixes.size(), ids.size());

        StreamingDetokenizer detok(*tok_);
        std::string so_far;
        for (size_t k = 0; k < ids.size(); ++k) {
            QCOMPARE(bytes(tok_->decode({ids[k]})), bytes(each[k]));
            QCOMPARE(bytes(tok_->decode(std::vector<int>(ids.begin(), ids.begin() + k + 1))),
                     bytes(prefixes[k]));
            const std::string out = detok.push(ids[k]);
            QVERIFY2(out.find(kReplacement) == std::string::npos, qPrintable(QString::number(k)));
            so_far += out;
            // Never ahead of the prefix decode, and caught up whenever the prefix ends in
            // a complete character.
            QVERIFY(prefixes[k].compare(0, so_far.size(), so_far) == 0);
            if (prefixes[k].find(kReplacement) == std::string::npos)
                QCOMPARE(bytes(so_far), bytes(prefixes[k]));
        }
        QCOMPARE(detok.flush(), std::string());
        QCOMPARE(bytes(so_far), bytes(full));
        // flush() started a new text: its first piece drops the dummy-prefix space again.
        QCOMPARE(bytes(detok.push(ids[0])), bytes(""));
        QCOMPARE(bytes(detok.push(ids[1])), bytes("可"));
    }

    void streaming_matches_whole_decode_on_all_cases() {
        for (const json& c : tok_golden_.at("cases")) {
            const std::vector<int> ids = json_ids(c.at("ids"));
            const StreamResult with_bos = stream(*tok_, ids);
            QCOMPARE(bytes(with_bos.all()), bytes(c.at("decoded").get<std::string>()));
            QCOMPARE(bytes(with_bos.flushed), bytes(""));
            for (const std::string& p : with_bos.pushes) {
                QVERIFY(valid_utf8(p));
                QVERIFY(p.find(kReplacement) == std::string::npos);
            }
            const std::vector<int> without_bos(ids.begin() + 1, ids.end());
            QCOMPARE(bytes(stream(*tok_, without_bos).all()),
                     bytes(c.at("decoded_without_bos").get<std::string>()));
        }
    }

    // generate()'s golden answers decode the generated ids as a whole; one of them holds
    // a lone byte piece that decodes to U+FFFD in the middle of the text.
    void streaming_matches_generated_text() {
        for (const char* run : {"noknn", "knn"}) {
            const json& g = golden_.at("generate").at(run);
            const std::vector<int> ids = json_ids(g.at("generated_ids"));
            const std::string text = g.at("text").get<std::string>();
            QCOMPARE(bytes(tok_->decode(ids)), bytes(text));
            const StreamResult r = stream(*tok_, ids);
            QCOMPARE(bytes(r.all()), bytes(text));
            for (const std::string& p : r.pushes) QVERIFY(valid_utf8(p));
        }
    }

    // Random id sequences (ordinary, byte, control and <unk> pieces, with byte runs that
    // form valid, truncated and invalid UTF-8) must stream to exactly decode(ids).
    void streaming_random_sequences() {
        std::mt19937 rng(7);
        const std::vector<int> utf8_leads = {0xC3, 0xE4, 0xE7, 0xF0};
        for (int trial = 0; trial < 60; ++trial) {
            std::vector<int> ids;
            const int length = 1 + static_cast<int>(rng() % 120);
            while (static_cast<int>(ids.size()) < length) {
                const unsigned kind = rng() % 10;
                if (kind < 4) {
                    ids.push_back(259 + static_cast<int>(rng() % (32000 - 259)));
                } else if (kind < 6) {  // a well-formed multi-byte character
                    const int lead = utf8_leads[rng() % utf8_leads.size()];
                    const int n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                    ids.push_back(3 + lead);
                    for (int i = 1; i < n; ++i) ids.push_back(3 + 0x80 + static_cast<int>(rng() % 0x20));
                } else if (kind < 8) {  // any byte at all
                    ids.push_back(3 + static_cast<int>(rng() % 256));
                } else if (kind == 8) {
                    ids.push_back(static_cast<int>(rng() % 3));  // <unk>, <s>, </s>
                } else {
                    ids.push_back(29871);  // "▁"
                }
            }
            const StreamResult r = stream(*tok_, ids);
            QVERIFY2(r.all() == tok_->decode(ids), qPrintable(QString("trial %1").arg(trial)));
            for (const std::string& p : r.pushes) QVERIFY(valid_utf8(p));
        }
    }

    // A 2000-token answer streams to the same text, and reset() starts a new answer
    // whose first piece loses its dummy-prefix space again.
    void streaming_long_answer_and_reset() {
        std::string text;
        for (int i = 0; i < 100; ++i)
            text += " The dog 🐶 runs in the park, 可爱的小狗 " + std::to_string(i * 37) + " times.\n";
        const std::vector<int> ids = tok_->encode(text, false, false);
        QVERIFY(ids.size() >= 2000);
        StreamingDetokenizer detok(*tok_);
        std::string out;
        QElapsedTimer timer;
        timer.start();
        for (int id : ids) out += detok.push(id);
        out += detok.flush();
        QCOMPARE(bytes(out), bytes(tok_->decode(ids)));
        // Re-decoding the whole answer per token would be quadratic; the window stays small.
        qInfo("streamed %zu tokens in %lld ms", ids.size(), static_cast<long long>(timer.elapsed()));

        QCOMPARE(bytes(detok.push(15043)), bytes("Hello"));
        QCOMPARE(bytes(detok.push(3186)), bytes(" world"));
        detok.reset();
        QCOMPARE(bytes(detok.push(3186)), bytes("world"));
    }

    void format_prompt_golden() {
        const json& cases = golden_.at("format_prompt");
        QVERIFY(cases.size() >= 5);
        for (const json& c : cases) {
            const std::string instruction = c.at("instruction").get<std::string>();
            const std::string input = c.at("input").is_null() ? "" : c.at("input").get<std::string>();
            const std::string expected = c.at("output").get<std::string>();
            QCOMPARE(bytes(format_prompt(instruction, input)), bytes(expected));
            // Without history and language directive the conversation is the same text.
            QCOMPARE(bytes(format_conversation({}, instruction, input, AnswerLanguage::Auto)),
                     bytes(expected));
        }
        QCOMPARE(bytes(format_prompt("Describe this image.")),
                 bytes(cases.at(0).at("output").get<std::string>()));
    }

    void prompt_ids_match_inference_golden() {
        const json& inf = golden_.at("inference");
        const std::string prompt = format_prompt(inf.at("instruction").get<std::string>());
        QCOMPARE(bytes(prompt), bytes(inf.at("prompt").get<std::string>()));
        const std::vector<int> ids = tok_->encode(prompt, true, false);
        QCOMPARE(ids_text(ids), ids_text(json_ids(inf.at("prompt_ids"))));
        QCOMPARE(static_cast<int>(ids.size()), inf.at("prompt_len").get<int>());
        QCOMPARE(ids_text(ids), ids_text(json_ids(golden_.at("generate").at("noknn").at("prompt_ids"))));
        QCOMPARE(bytes(tok_->decode(json_ids(inf.at("decode_step_ids")))),
                 bytes(inf.at("decode_text").get<std::string>()));
    }

    void multi_turn_conversation() {
        const std::vector<ChatTurn> history = {
            {"What is in the picture?", "", "A dog on the grass."},
            {"What colour is it?", "", "It is brown."},
        };
        const std::string prompt =
            format_conversation(history, "Is it happy?", "", AnswerLanguage::Auto);
        const std::string expected =
            "Below is an instruction that describes a task. Write a response that appropriately "
            "completes the request.\n\n"
            "### Instruction:\nWhat is in the picture?\n\n### Response:A dog on the grass.\n\n"
            "### Instruction:\nWhat colour is it?\n\n### Response:It is brown.\n\n"
            "### Instruction:\nIs it happy?\n\n### Response:";
        QCOMPARE(bytes(prompt), bytes(expected));

        // The last turn is exactly format_prompt()'s turn part.
        const std::string single = format_prompt("Is it happy?");
        const std::string turn = single.substr(single.find("### Instruction:"));
        QVERIFY(prompt.size() > turn.size());
        QCOMPARE(bytes(prompt.substr(prompt.size() - turn.size())), bytes(turn));
        // One header only.
        QCOMPARE(QByteArray::fromStdString(prompt).count("Below is an instruction"), 1);

        // An input anywhere selects the with-input header; turns without one have no
        // "### Input:" section.
        const std::vector<ChatTurn> with_input = {{"Describe the sound.", "It was recorded outdoors.", "Birds sing."}};
        const std::string p2 = format_conversation(with_input, "How many birds?", "", AnswerLanguage::Auto);
        QVERIFY(p2.rfind("Below is an instruction that describes a task, paired with an input", 0) == 0);
        QVERIFY(p2.find("### Input:\nIt was recorded outdoors.\n\n### Response:Birds sing.\n\n"
                        "### Instruction:\nHow many birds?\n\n### Response:") != std::string::npos);
        QCOMPARE(QByteArray::fromStdString(p2).count("### Input:"), 1);
        const std::string p3 = format_conversation(history, "Is it happy?", "Answer briefly.", AnswerLanguage::Auto);
        QVERIFY(p3.rfind("Below is an instruction that describes a task, paired with an input", 0) == 0);
        QVERIFY(ends_with(p3, "\n\n### Input:\nAnswer briefly.\n\n### Response:"));

        // The conversation tokenizes like any prompt (BOS once, at the front).
        const std::vector<int> ids = tok_->encode(prompt, true, false);
        QCOMPARE(ids.front(), 1);
        QCOMPARE(std::count(ids.begin(), ids.end(), 1), 1L);
    }

    void answer_language() {
        const std::string q = "What is in the picture?";
        const std::string en = format_conversation({}, q, "", AnswerLanguage::English);
        const std::string zh = format_conversation({}, q, "", AnswerLanguage::Chinese);
        QCOMPARE(bytes(en), bytes(format_prompt(q + "\nAnswer in English.")));
        QCOMPARE(bytes(zh), bytes(format_prompt(q + "\n请用中文回答。")));
        // Only the current instruction carries the directive.
        const std::vector<ChatTurn> history = {{"Hi", "", "Hello."}};
        const std::string with_history = format_conversation(history, q, "", AnswerLanguage::Chinese);
        QCOMPARE(QByteArray::fromStdString(with_history).count("请用中文回答。"), 1);
        QVERIFY(with_history.find("### Instruction:\nHi\n\n### Response:Hello.") != std::string::npos);
        QVERIFY(with_history.find(q + "\n请用中文回答。\n\n### Response:") != std::string::npos);
        // The directive goes before the input section.
        const std::string with_input = format_conversation({}, q, "ctx", AnswerLanguage::English);
        QCOMPARE(bytes(with_input), bytes(format_prompt(q + "\nAnswer in English.", "ctx")));

        QCOMPARE(parse_answer_language("auto"), AnswerLanguage::Auto);
        QCOMPARE(parse_answer_language("en"), AnswerLanguage::English);
        QCOMPARE(parse_answer_language(" English "), AnswerLanguage::English);
        QCOMPARE(parse_answer_language("zh"), AnswerLanguage::Chinese);
        QCOMPARE(parse_answer_language("Chinese"), AnswerLanguage::Chinese);
        QCOMPARE(parse_answer_language("中文"), AnswerLanguage::Chinese);
        for (AnswerLanguage l : {AnswerLanguage::Auto, AnswerLanguage::English, AnswerLanguage::Chinese})
            QCOMPARE(parse_answer_language(to_string(l)), l);
        const QString msg = error_of([] { parse_answer_language("french"); });
        QVERIFY2(msg.contains("french") && msg.contains("zh"), qPrintable(msg));
    }

    void wrong_tokenizer_files() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString missing = dir.filePath("missing/tokenizer.model");
        QString msg = error_of([&] { Tokenizer t(missing.toStdString()); });
        QVERIFY2(msg.contains(missing) && msg.contains("not found"), qPrintable(msg));

        const QString garbage = dir.filePath("tokenizer.model");
        std::string noise(4096, '\0');
        std::mt19937 rng(3);
        for (char& c : noise) c = static_cast<char>(rng());
        write_file(garbage, noise);
        msg = error_of([&] { Tokenizer t(garbage.toStdString()); });
        QVERIFY2(msg.contains(garbage) && msg.contains("not a SentencePiece model") &&
                     msg.contains("choose the tokenizer.model that came with LLaMA"),
                 qPrintable(msg));

        const QString empty = dir.filePath("empty.model");
        write_file(empty, "");
        msg = error_of([&] { Tokenizer t(empty.toStdString()); });
        QVERIFY2(msg.contains(empty) && msg.contains("not a SentencePiece model"), qPrintable(msg));

        // Another of the release's files picked by mistake.
        const std::string params = kData + "params.json";
        msg = error_of([&] { Tokenizer t(params); });
        QVERIFY2(msg.contains(QString::fromStdString(params)), qPrintable(msg));

        msg = error_of([&] { Tokenizer t(dir.path().toStdString()); });
        QVERIFY2(msg.contains(dir.path()), qPrintable(msg));
        check_torch_still_works();
    }

    void train_demo_tokenizer() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString corpus = dir.filePath("corpus.txt");
        std::string text;
        const char* lines[] = {
            "Below is an instruction that describes a task.",
            "Write a response that appropriately completes the request.",
            "The image shows a dog playing in the park with a red ball.",
            "A cat sleeps on the sofa while the rain falls outside.",
            "这是一只可爱的小狗。", "图片里有一辆红色的汽车。",
            "The year 2023 had 365 days and 12 months.",
        };
        for (int i = 0; i < 40; ++i)
            for (const char* line : lines) text += std::string(line) + "\n";
        write_file(corpus, text);

        const std::string prefix = dir.filePath("demo").toStdString();
        Tokenizer::train(corpus.toStdString(), prefix, 400);
        const QString model = dir.filePath("demo.model");
        QVERIFY(QFileInfo::exists(model));
        const std::string first_bytes = read_file(model);

        const Tokenizer demo(model.toStdString());
        QCOMPARE(demo.n_words(), 400);
        QCOMPARE(demo.unk_id(), 0);
        QCOMPARE(demo.bos_id(), 1);
        QCOMPARE(demo.eos_id(), 2);
        QCOMPARE(demo.pad_id(), -1);
        QVERIFY(demo.is_byte(3) && demo.byte_value(3 + 0xF0) == 0xF0);
        for (const std::string s : {"The dog plays in the park.", "这是一只可爱的小狗。",
                                    "Unseen words: zebra quokka 🦙 ☃", "multiple   spaces\nand\ttabs",
                                    "In 2023, 42 = 6 x 7"}) {
            const std::vector<int> ids = demo.encode(s, true, false);
            QCOMPARE(ids.front(), 1);
            QCOMPARE(bytes(demo.decode(ids)), bytes(s));
            QCOMPARE(bytes(stream(demo, ids).all()), bytes(s));
        }
        // Digits are split into single pieces, like LLaMA's tokenizer.
        for (int id : demo.encode("2023", false, false)) {
            const std::string piece = demo.id_to_piece(id);
            QVERIFY2(piece.find("20") == std::string::npos && piece.find("23") == std::string::npos,
                     piece.c_str());
        }

        // Deterministic: training again writes the same file.
        Tokenizer::train(corpus.toStdString(), prefix, 400);
        QVERIFY(read_file(model) == first_bytes);

        // A vocabulary the corpus cannot fill is a clear error, not a crash.
        const QString msg = error_of([&] { Tokenizer::train(corpus.toStdString(), prefix + "_big", 100000); });
        QVERIFY2(msg.contains(corpus), qPrintable(msg));
        const QString missing = error_of([&] { Tokenizer::train(dir.filePath("nope.txt").toStdString(), prefix, 400); });
        QVERIFY2(missing.contains("nope.txt"), qPrintable(missing));
        check_torch_still_works();
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
