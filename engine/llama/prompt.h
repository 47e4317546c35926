#pragma once
// The text the model is asked: the Alpaca instruction template the ImageBind-LLM release
// was fine-tuned on, plus the product's two extensions of it (conversation history and a
// requested answer language).
#include <string>
#include <vector>

namespace ibllm {

// Byte for byte the reference template (llama/utils.py format_prompt): an empty `input`
// selects the no-input variant. The text ends in "### Response:" and the model writes the
// answer right after it.
std::string format_prompt(const std::string& instruction, const std::string& input = "");

// The language the user wants the answer in.
//
// The model has no language switch; it follows instructions, and the bilingual
// 7B_chinese release answers in the language it is asked to. So English / Chinese are
// realised as one short directive appended to the CURRENT instruction
// ("\nAnswer in English." / "\n请用中文回答。"), where the model reads it last. Auto leaves
// the instruction as the user wrote it (the model then usually answers in the
// instruction's language). Earlier turns are never rewritten, so changing the option
// mid-conversation only affects the next answer.
enum class AnswerLanguage { Auto, English, Chinese };

// "auto", "en", "zh": the spelling parse_answer_language() reads back.
std::string to_string(AnswerLanguage language);
// Accepts auto / en / english / zh / chinese / 中文 (ASCII case-insensitive, surrounding
// spaces ignored); anything else throws ibllm::Error.
AnswerLanguage parse_answer_language(const std::string& text);

// `instruction` with the directive that asks for the answer in `language` appended (Auto:
// unchanged).
std::string with_language_directive(const std::string& instruction, AnswerLanguage language);

// One finished question/answer pair of a conversation.
struct ChatTurn {
    std::string instruction;
    std::string input;   // optional context text; empty = none
    std::string answer;  // the model's answer as shown to the user
};

// The prompt for `instruction` (and optional `input`) after the turns in `history`.
//
// The reference is single-turn; this is the product's multi-turn extension of the Alpaca
// template. The header sentence appears once, then each earlier turn as
//   "### Instruction:\n{q}\n\n" ["### Input:\n{in}\n\n"] "### Response:{answer}\n\n"
// and finally the current turn, ending in "### Response:" like format_prompt(). The answer
// follows "Response:" without a space because that is how the fine-tuning data joined
// prompt and answer (prompt + output). The header is the with-input variant if any turn,
// earlier or current, has an input. With no history and AnswerLanguage::Auto the result
// is byte-identical to format_prompt(instruction, input).
std::string format_conversation(const std::vector<ChatTurn>& history,
                                const std::string& instruction, const std::string& input,
                                AnswerLanguage language);

}  // namespace ibllm
