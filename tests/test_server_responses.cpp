// What the server sends back (app/server): OpenAI's completion, chunk, model-list, embedding
// and error objects, and stop strings cut out of a streamed answer.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "app/server/openai_responses.h"
#include "app/server/stop_strings.h"

using namespace ibllm::app;
using json = nlohmann::json;

class TestServerResponses : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stopStringsEndTheAnswerBeforeThem() {
        // A stop string split over pieces: nothing of it is sent, and what precedes it is.
        StopStrings s({"\n\n", "END"});
        std::string sent = s.feed("The cube");
        QCOMPARE(sent, std::string("The cube"));
        QCOMPARE(s.feed(" is red.\n"), std::string(" is red."));  // "\n" may begin "\n\n"
        QCOMPARE(s.feed("It"), std::string("\nIt"));              // it did not
        QCOMPARE(s.feed(" is E"), std::string(" is "));
        QCOMPARE(s.feed("N"), std::string());
        QVERIFY(!s.stopped());
        QCOMPARE(s.feed("Dless"), std::string());  // "END" completed: nothing more
        QVERIFY(s.stopped());
        QCOMPARE(s.feed("more"), std::string());
        QCOMPARE(s.flush(), std::string());
        // The earliest stop wins, whichever is listed first.
        StopStrings t({"cube", "a"});
        QCOMPARE(t.feed("I see a cube"), std::string("I see "));
        QVERIFY(t.stopped());
        // A held-back prefix comes out at the end when no stop follows.
        StopStrings u({"###"});
        QCOMPARE(u.feed("Done ##"), std::string("Done "));
        QCOMPARE(u.flush(), std::string("##"));
        // No stop strings (or only empty ones): everything passes at once.
        StopStrings none({""});
        QCOMPARE(none.feed("a\n"), std::string("a\n"));
        QVERIFY(!none.stopped());
    }

    void aCompletionHasOpenAisShape() {
        const CompletionId id{"chatcmpl-1a", 1700000000, "solids"};
        const json j = json::parse(completion_json(id, "A red cube.", finish_reason(true), {12, 4}));
        QCOMPARE(j["id"].get<std::string>(), std::string("chatcmpl-1a"));
        QCOMPARE(j["object"].get<std::string>(), std::string("chat.completion"));
        QCOMPARE(j["created"].get<int64_t>(), int64_t(1700000000));
        QCOMPARE(j["model"].get<std::string>(), std::string("solids"));
        QCOMPARE(j["choices"].size(), size_t(1));
        QCOMPARE(j["choices"][0]["message"]["role"].get<std::string>(), std::string("assistant"));
        QCOMPARE(j["choices"][0]["message"]["content"].get<std::string>(), std::string("A red cube."));
        QCOMPARE(j["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        QCOMPARE(j["usage"]["prompt_tokens"].get<int>(), 12);
        QCOMPARE(j["usage"]["completion_tokens"].get<int>(), 4);
        QCOMPARE(j["usage"]["total_tokens"].get<int>(), 16);
        QCOMPARE(std::string(finish_reason(false)), std::string("length"));
    }

    void aStreamIsRoleTextFinishThenDone() {
        const CompletionId id{"chatcmpl-2", 5, "m"};
        const json first = json::parse(chunk_json(id, std::string("assistant"), "", std::nullopt));
        QCOMPARE(first["object"].get<std::string>(), std::string("chat.completion.chunk"));
        QCOMPARE(first["choices"][0]["delta"], (json{{"role", "assistant"}}));
        QVERIFY(first["choices"][0]["finish_reason"].is_null());
        const json piece = json::parse(chunk_json(id, std::nullopt, "这是", std::nullopt));
        QCOMPARE(piece["choices"][0]["delta"], (json{{"content", "这是"}}));
        const json last = json::parse(chunk_json(id, std::nullopt, "", std::string("length")));
        QCOMPARE(last["choices"][0]["delta"], json::object());
        QCOMPARE(last["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));
        const json usage = json::parse(usage_chunk_json(id, {3, 2}));
        QVERIFY(usage["choices"].empty());
        QCOMPARE(usage["usage"]["total_tokens"].get<int>(), 5);
        QCOMPARE(sse_event("{}"), std::string("data: {}\n\n"));
        QCOMPARE(std::string(sse_done()), std::string("data: [DONE]\n\n"));
        // Bytes that are not UTF-8 do not break the event.
        QVERIFY(json::parse(chunk_json(id, std::nullopt, "a\xff", std::nullopt))["choices"][0]["delta"]["content"]
                    .get<std::string>()
                    .rfind("a", 0) == 0);
    }

    void errorsModelsAndEmbeddings() {
        RequestError e;
        e.status = 400;
        e.message = "\"messages\" must be a non-empty array.";
        e.param = "messages";
        const json err = json::parse(error_json(e));
        QCOMPARE(err["error"]["message"].get<std::string>(), e.message);
        QCOMPARE(err["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QCOMPARE(err["error"]["param"].get<std::string>(), std::string("messages"));
        QVERIFY(err["error"]["code"].is_null());
        e.param.clear();
        QVERIFY(json::parse(error_json(e, "rate_limit_exceeded"))["error"]["param"].is_null());
        QCOMPARE(json::parse(error_json(e, "rate_limit_exceeded"))["error"]["code"].get<std::string>(),
                 std::string("rate_limit_exceeded"));

        const json models = json::parse(models_json({"solids", "llama-7b"}, 42));
        QCOMPARE(models["object"].get<std::string>(), std::string("list"));
        QCOMPARE(models["data"].size(), size_t(2));
        QCOMPARE(models["data"][1]["id"].get<std::string>(), std::string("llama-7b"));
        QCOMPARE(models["data"][0]["object"].get<std::string>(), std::string("model"));
        QCOMPARE(models["data"][0]["created"].get<int64_t>(), int64_t(42));

        const json emb = json::parse(embeddings_json({{0.5f, -0.25f}, {1.0f, 0.0f}}, "imagebind", 7));
        QCOMPARE(emb["data"].size(), size_t(2));
        QCOMPARE(emb["data"][1]["index"].get<int>(), 1);
        QCOMPARE(emb["data"][0]["embedding"], (json{0.5, -0.25}));
        QCOMPARE(emb["usage"]["prompt_tokens"].get<int>(), 7);
    }
};

QTEST_APPLESS_MAIN(TestServerResponses)
#include "test_server_responses.moc"
