#include "engine/world/solids_vocabulary.h"

namespace ibllm::world {

const ShapeEntry kShapeWords[6] = {{"cube", "立方体"},    {"sphere", "球体"}, {"cone", "圆锥"},
                                   {"cylinder", "圆柱"}, {"torus", "圆环"},  {"pyramid", "金字塔"}};

const ColourEntry kColourWords[6] = {{"red", "红色", {220, 40, 40}, 220},       {"orange", "橙色", {240, 140, 30}, 262},
                                     {"yellow", "黄色", {235, 210, 40}, 330},   {"green", "绿色", {40, 170, 60}, 392},
                                     {"blue", "蓝色", {40, 80, 220}, 494},      {"purple", "紫色", {140, 60, 190}, 587}};

namespace {

std::string article(const std::string& word) {
    return (word[0] == 'a' || word[0] == 'e' || word[0] == 'i' || word[0] == 'o' || word[0] == 'u') ? "an" : "a";
}

std::string capitalised(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

}  // namespace

std::string caption(int shape, int colour, bool chinese, unsigned variant) {
    const std::string s = chinese ? kShapeWords[shape].zh : kShapeWords[shape].en;
    const std::string c = chinese ? kColourWords[colour].zh : kColourWords[colour].en;
    if (chinese) {
        switch (variant % 4) {
            case 0: return "一个" + c + "的" + s;
            case 1: return "这是一个" + c + "的" + s + "。";
            case 2: return "一个" + c + "的" + s + "，背景是灰色的。";
            default: return "图中是一个" + c + "的" + s + "。";
        }
    }
    const std::string a = article(c) + " " + c + " " + s;
    switch (variant % 5) {
        case 0: return a;
        case 1: return capitalised(a) + ".";
        case 2: return capitalised(a) + " on a grey background.";
        case 3: return "This is " + a + ".";
        default: return "A photo of " + a + ".";
    }
}

std::vector<QuestionAnswer> questions_and_answers(int shape, int colour) {
    const std::string s = kShapeWords[shape].en, c = kColourWords[colour].en;
    const std::string zs = kShapeWords[shape].zh, zc = kColourWords[colour].zh;
    const std::string a = article(c) + " " + c + " " + s;
    return {
        {"What is this?", "This is " + a + ".", false},
        {"Describe it.", capitalised(a) + " on a grey background.", false},
        {"What colour is the object?", "The object is " + c + ".", false},
        {"What shape is it?", "It is " + article(s) + " " + s + ".", false},
        {"这是什么？", "这是一个" + zc + "的" + zs + "。", true},
        {"描述一下这个物体。", "这是一个" + zc + "的" + zs + "，背景是灰色的。", true},
        {"它是什么颜色的？", "它是" + zc + "的。", true},
        {"它是什么形状的？", "它是一个" + zs + "。", true},
    };
}

}  // namespace ibllm::world
