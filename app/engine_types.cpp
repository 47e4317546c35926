#include "app/engine_types.h"

namespace ibllm::app {

void registerEngineMetaTypes() {
    qRegisterMetaType<ibllm::ModelPaths>();
    qRegisterMetaType<ibllm::LoadOptions>();
    qRegisterMetaType<ibllm::ModelInfo>();
    qRegisterMetaType<ibllm::AskRequest>();
    qRegisterMetaType<ibllm::AskStats>();
}

QJsonObject statsToJson(const AskStats& s) {
    QJsonObject o;
    o.insert(QStringLiteral("generated_tokens"), s.generated_tokens);
    o.insert(QStringLiteral("prompt_tokens"), s.prompt_tokens);
    o.insert(QStringLiteral("reused_tokens"), s.reused_tokens);
    o.insert(QStringLiteral("tokens_per_s"), s.tokens_per_s);
    o.insert(QStringLiteral("encode_ms"), s.encode_ms);
    o.insert(QStringLiteral("prefill_ms"), s.prefill_ms);
    o.insert(QStringLiteral("decode_ms"), s.decode_ms);
    o.insert(QStringLiteral("dropped_turns"), s.dropped_turns);
    o.insert(QStringLiteral("stopped_on_eos"), s.stopped_on_eos);
    o.insert(QStringLiteral("cancelled"), s.cancelled);
    o.insert(QStringLiteral("hit_context_limit"), s.hit_context_limit);
    return o;
}

}  // namespace ibllm::app
