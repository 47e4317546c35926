#pragma once
// The solids world's shapes and colours with their words in English and Chinese, their sRGB
// colour and the tone (Hz) that a colour sounds at (shared/solids-world.md), and the texts the
// training data is made of: captions, and questions with their answers.
#include <string>
#include <utility>
#include <vector>

namespace ibllm::world {

struct ColourEntry {
    const char* en;
    const char* zh;
    double rgb[3];
    double tone_hz;
};
struct ShapeEntry {
    const char* en;
    const char* zh;
};

extern const ShapeEntry kShapeWords[6];    // cube, sphere, cone, cylinder, torus, pyramid
extern const ColourEntry kColourWords[6];  // red, orange, yellow, green, blue, purple

// "a red cube" / "一个红色的立方体" style captions, drawn from several templates.
std::string caption(int shape, int colour, bool chinese, unsigned variant);

struct QuestionAnswer {
    std::string question, answer;
    bool chinese = false;
};
// The instructions of the spec ("What is this?", "这是什么？", ...) with the right answers.
std::vector<QuestionAnswer> questions_and_answers(int shape, int colour);

}  // namespace ibllm::world
