// The OpenAI chat-completions request body as the server reads it (app/server): messages and
// content parts, files from base64 and data: URLs, sampling fields, the product's own fields,
// and one clear error naming the field for each way a body can be wrong.
#include <QtTest/QtTest>

#include <string>

#include "app/server/ask_from_messages.h"
#include "app/server/chat_completion_request.h"

// Declared before the raw string literals below: moc does not read those, and lost the class.
class TestServerRequest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void base64FollowsTheStandard();
    void dataUrlsGiveTheirTypeAndBytes();
    void aPlainQuestionTakesTheEngineDefaults();
    void samplingAndStreamingFieldsAreRead();
    void contentPartsBecomeTextAndFiles();
    void eachMistakeGetsOneSentenceNamingTheField();
    void limitsBoundWhatOneRequestCarries();
    void aConversationBecomesTheEnginesRequest();
};

using namespace ibllm;
using namespace ibllm::app;

namespace {

ChatCompletionRequest parsed(const std::string& body, const RequestLimits& limits = {}) {
    auto r = parse_chat_completion_request(body, limits);
    if (auto* err = std::get_if<RequestError>(&r)) {
        qWarning("%s (%s)", err->message.c_str(), err->param.c_str());
        throw std::runtime_error("refused: " + err->message);
    }
    return std::get<ChatCompletionRequest>(r);
}

RequestError refused(const std::string& body, const RequestLimits& limits = {}) {
    auto r = parse_chat_completion_request(body, limits);
    if (!std::holds_alternative<RequestError>(r)) throw std::runtime_error("accepted: " + body);
    return std::get<RequestError>(r);
}

std::string user(const std::string& content) { return R"({"messages":[{"role":"user","content":)" + content + "}]}"; }

}  // namespace

void TestServerRequest::base64FollowsTheStandard() {
    QCOMPARE(decode_base64("").value(), std::string());
    QCOMPARE(decode_base64("Zg==").value(), std::string("f"));
    QCOMPARE(decode_base64("Zm8=").value(), std::string("fo"));
    QCOMPARE(decode_base64("Zm9v").value(), std::string("foo"));
    QCOMPARE(decode_base64("Zm9vYmFy").value(), std::string("foobar"));
    QCOMPARE(decode_base64("Zm9vYg").value(), std::string("foob"));  // padding optional
    QCOMPARE(decode_base64("Zm9v\r\nYmFy").value(), std::string("foobar"));
    QCOMPARE(decode_base64("/+8=").value(), std::string("\xff\xef"));
    for (const char* bad : {"Z", "Zg=a", "Zm9v!", "Zg===", "Zm9 v", "Zm9v-_"}) QVERIFY2(!decode_base64(bad), bad);
}

void TestServerRequest::dataUrlsGiveTheirTypeAndBytes() {
    const auto png = parse_data_url("data:image/png;base64,Zm9v");
    QVERIFY(png);
    QCOMPARE(png->mime, std::string("image/png"));
    QCOMPARE(png->bytes, std::string("foo"));
    QCOMPARE(parse_data_url("DATA:;BASE64,Zg==")->bytes, std::string("f"));
    QVERIFY(!parse_data_url("https://example.com/cat.png"));
    QVERIFY(!parse_data_url("data:text/plain,hello"));  // not base64
    QVERIFY(!parse_data_url("data:image/png;base64"));  // no data
    QVERIFY(!parse_data_url("data:image/png;base64,Zm9v!"));
}

void TestServerRequest::aPlainQuestionTakesTheEngineDefaults() {
    const ChatCompletionRequest r = parsed(user(R"("What is this?")"));
    QCOMPARE(r.messages.size(), size_t(1));
    QCOMPARE(r.messages[0].role, RequestMessage::Role::User);
    QCOMPARE(r.messages[0].text, std::string("What is this?"));
    QVERIFY(!r.stream);
    const SamplingSettings defaults;
    QCOMPARE(r.sampling.temperature, defaults.temperature);
    QCOMPARE(r.sampling.top_p, defaults.top_p);
    QCOMPARE(r.sampling.max_tokens, defaults.max_tokens);
    QVERIFY(!r.sampling.seed);
    QVERIFY(r.stop.empty());
    QVERIFY(r.cache.enabled);
}

void TestServerRequest::samplingAndStreamingFieldsAreRead() {
    const ChatCompletionRequest r = parsed(R"({"model":"solids","messages":[
        {"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},
        {"role":"assistant","content":"Hello."},{"role":"developer","content":"Answer in English."},
        {"role":"user","content":"And now?"}],
        "stream":true,"stream_options":{"include_usage":true},"temperature":0,"top_p":0.5,
        "max_tokens":10,"max_completion_tokens":20,"seed":7,"stop":["\n\n","",".."],"n":1,
        "fusion_weights":[],"visual_cache":{"enabled":false,"k":3,"t":5,"w":0.25}})");
    QCOMPARE(r.model, std::string("solids"));
    QCOMPARE(r.messages.size(), size_t(5));
    QCOMPARE(r.messages[0].role, RequestMessage::Role::System);
    QCOMPARE(r.messages[2].role, RequestMessage::Role::Assistant);
    QCOMPARE(r.messages[3].role, RequestMessage::Role::System);
    QVERIFY(r.stream && r.include_usage);
    QCOMPARE(r.sampling.temperature, 0.0);
    QCOMPARE(r.sampling.top_p, 0.5);
    QCOMPARE(r.sampling.max_tokens, 20);  // the newer name wins
    QCOMPARE(r.sampling.seed.value(), uint64_t(7));
    QCOMPARE(r.stop, (std::vector<std::string>{"\n\n", ".."}));  // empty stops dropped
    QVERIFY(!r.cache.enabled);
    QCOMPARE(r.cache.k, 3);
    QCOMPARE(r.cache.t, 5.0);
    QCOMPARE(r.cache.w, 0.25);
    QCOMPARE(parsed(user(R"("x")").replace(0, 1, R"({"stop":"END",)")).stop, std::vector<std::string>{"END"});
}

void TestServerRequest::contentPartsBecomeTextAndFiles() {
    // "foo" = Zm9v, "bar" = YmFy, "baz" = YmF6, "qux" = cXV4, "quux" = cXV1eA==
    const ChatCompletionRequest r = parsed(user(R"([
        {"type":"text","text":"Compare"},
        {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,Zm9v"}},
        {"type":"input_audio","input_audio":{"data":"YmFy","format":"WAV"}},
        {"type":"file","file":{"filename":"scan.PLY","file_data":"data:application/octet-stream;base64,YmF6"}},
        {"type":"file","file":{"filename":"room.depth.png","file_data":"cXV4"}},
        {"type":"file","file":{"filename":"hand.png","file_data":"cXV1eA==","modality":"thermal"}},
        {"type":"image_url","image_url":"data:image/webp;base64,Zm9v"},
        {"type":"text","text":"these."}])")
                                               .replace(0, 1, R"({"fusion_weights":[1,0.5,0.5,1,1,0.25],)"));
    const RequestMessage& m = r.messages[0];
    QCOMPARE(m.text, std::string("Compare\nthese."));
    QCOMPARE(m.files.size(), size_t(6));
    QCOMPARE(m.files[0].filename, std::string("image.jpeg"));
    QCOMPARE(m.files[0].modality, Modality::Image);
    QCOMPARE(m.files[0].bytes, std::string("foo"));
    QCOMPARE(m.files[1].filename, std::string("audio.wav"));
    QCOMPARE(m.files[1].modality, Modality::Audio);
    QCOMPARE(m.files[1].bytes, std::string("bar"));
    QCOMPARE(m.files[2].modality, Modality::Point);
    QCOMPARE(m.files[2].bytes, std::string("baz"));
    QCOMPARE(m.files[3].modality, Modality::Depth);
    QCOMPARE(m.files[4].modality, Modality::Thermal);
    QCOMPARE(m.files[4].bytes, std::string("quux"));
    QCOMPARE(m.files[5].filename, std::string("image.webp"));
    QCOMPARE(r.fusion_weights, (std::vector<double>{1, 0.5, 0.5, 1, 1, 0.25}));
    // Video and IMU by their extensions.
    const auto v = parsed(user(R"([{"type":"file","file":{"filename":"clip.mp4","file_data":"Zm9v"}},
                                    {"type":"file","file":{"filename":"walk.csv","file_data":"Zm9v"}}])"));
    QCOMPARE(v.messages[0].files[0].modality, Modality::Video);
    QCOMPARE(v.messages[0].files[1].modality, Modality::Imu);
}

void TestServerRequest::eachMistakeGetsOneSentenceNamingTheField() {
    struct Case {
        std::string body, param, words;
    };
    const std::vector<Case> cases = {
        {"{not json", "", "not valid JSON"},
        {"[1,2]", "", "JSON object"},
        {R"({"model":"x"})", "messages", "missing"},
        {R"({"messages":[]})", "messages", "non-empty"},
        {R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})", "messages", "last message"},
        {R"({"messages":[{"role":"tool","content":"a"}]})", "messages[0].role", "Unknown role"},
        {R"({"messages":[{"role":"user"}]})", "messages[0].content", "missing"},
        {R"({"messages":[{"role":"user","content":42}]})", "messages[0].content", "string or an array"},
        {user(R"([{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}])"),
         "messages[0].content[0].image_url", "does not fetch"},
        {user(R"([{"type":"input_audio","input_audio":{"data":"Zm9v","format":"ogg"}}])"),
         "messages[0].content[0].input_audio.format", "wav"},
        {user(R"([{"type":"file","file":{"filename":"a.ply","file_data":"@@@"}}])"),
         "messages[0].content[0].file.file_data", "base64"},
        {user(R"([{"type":"file","file":{"filename":"notes.docx","file_data":"Zm9v"}}])"),
         "messages[0].content[0].file", "notes.docx"},
        {user(R"([{"type":"file","file":{"filename":"blob","file_data":"Zm9v"}}])"),
         "messages[0].content[0].file.filename", "no extension"},
        {user(R"([{"type":"file","file":{"file_id":"file-1","filename":"a.png"}}])"),
         "messages[0].content[0].file.file_id", "file_data"},
        {user(R"([{"type":"file","file":{"filename":"a.png","file_data":"Zm9v","modality":"smell"}}])"),
         "messages[0].content[0].file.modality", "smell"},
        {user(R"([{"type":"file","file":{"filename":"a.png","file_data":""}}])"), "messages[0].content[0].file", "empty"},
        {user(R"([{"type":"video_url","video_url":"x"}])"), "messages[0].content[0].type", "video_url"},
        {R"({"messages":[{"role":"assistant","content":[{"type":"image_url","image_url":"data:image/png;base64,Zm9v"}]},
            {"role":"user","content":"a"}]})",
         "messages[0].content[0]", "Only user messages"},
        {user(R"("a")").replace(0, 1, R"({"temperature":3,)"), "temperature", "between"},
        {user(R"("a")").replace(0, 1, R"({"top_p":"high",)"), "top_p", "number"},
        {user(R"("a")").replace(0, 1, R"({"max_tokens":0,)"), "max_tokens", "between"},
        {user(R"("a")").replace(0, 1, R"({"max_tokens":1.5,)"), "max_tokens", "integer"},
        {user(R"("a")").replace(0, 1, R"({"n":2,)"), "n", "one answer"},
        {user(R"("a")").replace(0, 1, R"({"stop":["a","b","c","d","e"],)"), "stop", "up to 4"},
        {user(R"("a")").replace(0, 1, R"({"stream":"yes",)"), "stream", "true or false"},
        {user(R"("a")").replace(0, 1, R"({"fusion_weights":[1],)"), "fusion_weights", "0 files"},
        {user(R"("a")").replace(0, 1, R"({"visual_cache":{"w":2},)"), "visual_cache.w", "between"},
    };
    for (const Case& c : cases) {
        const RequestError e = refused(c.body);
        QCOMPARE(e.status, 400);
        QCOMPARE(e.type, std::string("invalid_request_error"));
        QVERIFY2(e.param == c.param, qPrintable(QString::fromStdString(c.body + " -> param " + e.param)));
        QVERIFY2(e.message.find(c.words) != std::string::npos, qPrintable(QString::fromStdString(e.message)));
        QVERIFY2(!e.message.empty() && e.message.back() != ' ', qPrintable(QString::fromStdString(e.message)));
    }
}

void TestServerRequest::limitsBoundWhatOneRequestCarries() {
    RequestLimits limits;
    limits.max_file_bytes = 3;
    limits.max_files = 2;
    const RequestError big = refused(user(R"([{"type":"file","file":{"filename":"a.ply","file_data":"cXV1eA=="}}])"), limits);
    QVERIFY(big.message.find("larger than") != std::string::npos);
    QCOMPARE(big.status, 413);
    QCOMPARE(refused(user(R"([{"type":"nope"}])"), limits).status, 400);
    const std::string part = R"({"type":"file","file":{"filename":"a.ply","file_data":"Zm9v"}})";
    QCOMPARE(parsed(user("[" + part + "," + part + "]"), limits).messages[0].files.size(), size_t(2));
    QVERIFY(refused(user("[" + part + "," + part + "," + part + "]"), limits).message.find("at most 2 files") !=
            std::string::npos);
}

// The conversation as the engine's request: turns, the question, system text as the input,
// attachments saved and weighted, a follow-up keeping the earlier files.
void TestServerRequest::aConversationBecomesTheEnginesRequest() {
    std::vector<std::string> saved;
    const SaveRequestFile save = [&](const RequestFile& f) {
        saved.push_back(f.bytes);
        return "/tmp/" + f.filename;
    };
    const ChatCompletionRequest r = parsed(R"({"messages":[
        {"role":"assistant","content":"Hello! Drop a file."},
        {"role":"system","content":"Answer briefly."},
        {"role":"user","content":[{"type":"text","text":"What is this?"},
            {"type":"file","file":{"filename":"a.ply","file_data":"Zm9v"}},
            {"type":"input_audio","input_audio":{"data":"YmFy","format":"wav"}}]},
        {"role":"assistant","content":"A cube."},
        {"role":"user","content":"What colour"},
        {"role":"user","content":"is it?"}],
        "temperature":0,"max_tokens":9,"visual_cache":{"k":4}})");
    const ibllm::AskRequest ask = ask_from_messages(r, save);
    QCOMPARE(ask.history.size(), size_t(1));
    QCOMPARE(ask.history[0].instruction, std::string("What is this?"));
    QCOMPARE(ask.history[0].answer, std::string("A cube."));
    QCOMPARE(ask.prompt, std::string("What colour\n\nis it?"));
    // Asked first on its own, the same question had the system message as its own context.
    const ibllm::AskRequest first = ask_from_messages(
        parsed(R"({"messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"What is this?"}]})"),
        save);
    QCOMPARE(first.input, std::string("Answer briefly."));
    // The system message is the first turn's context, where it stays as the conversation grows.
    QCOMPARE(ask.history[0].input, std::string("Answer briefly."));
    QVERIFY(ask.input.empty());
    QCOMPARE(ask.sampling.temperature, 0.0);
    QCOMPARE(ask.sampling.max_tokens, 9);
    QCOMPARE(ask.cache.k, 4);
    // The follow-up keeps the earlier question's files, each at weight 1.
    QCOMPARE(saved, (std::vector<std::string>{"foo", "bar"}));
    QCOMPARE(ask.attachments.size(), size_t(2));
    QCOMPARE(ask.attachments[0].modality, Modality::Point);
    QCOMPARE(ask.attachments[0].path, std::string("/tmp/a.ply"));
    QCOMPARE(ask.attachments[1].modality, Modality::Audio);
    QCOMPARE(ask.attachments[1].weight, 1.0);

    // A question with its own files uses those, weighted; weight 0 leaves one out.
    saved.clear();
    const ChatCompletionRequest w = parsed(R"({"messages":[
        {"role":"user","content":[{"type":"image_url","image_url":"data:image/png;base64,Zm9v"}]},
        {"role":"assistant","content":"A cube."},
        {"role":"user","content":[{"type":"text","text":"And these?"},
            {"type":"image_url","image_url":"data:image/png;base64,cXV4"},
            {"type":"input_audio","input_audio":{"data":"YmFy","format":"mp3"}}]}],
        "fusion_weights":[0.25,0]})");
    const ibllm::AskRequest ask2 = ask_from_messages(w, save);
    QCOMPARE(ask2.attachments.size(), size_t(1));
    QCOMPARE(ask2.attachments[0].weight, 0.25);
    QCOMPARE(ask2.attachments[0].modality, Modality::Image);
    QCOMPARE(saved, std::vector<std::string>{"qux"});  // the file at weight 0 was not stored
    QVERIFY(ask2.input.empty());
    QCOMPARE(ask2.history.size(), size_t(1));
    QCOMPARE(ask2.history[0].instruction, std::string());  // a question of files only
}

QTEST_APPLESS_MAIN(TestServerRequest)
#include "test_server_request.moc"
