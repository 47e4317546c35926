#include "app/cli/world_labels.h"

#include <fstream>
#include <sstream>

#include "app/cli/arguments.h"
#include "engine/engine.h"

namespace ibllm::cli {

namespace {

int index_of(const std::string& word, bool shape) {
    for (int i = 0; i < (shape ? kWorldShapes : kWorldColours); ++i)
        if ((shape ? world_shape_name(i) : world_colour_name(i)) == word) return i;
    return -1;
}

}  // namespace

int WorldLabel::cls() const { return shape * kWorldColours + colour; }

std::vector<WorldLabel> read_world_labels(const std::string& dirs) {
    std::vector<WorldLabel> out;
    std::stringstream list(dirs);
    for (std::string dir; std::getline(list, dir, ',');) {
        if (dir.empty()) continue;
        const std::string path = dir + "/labels.csv";
        std::ifstream in(path);
        if (!in) throw UsageError(dir + " is not a solids-world folder (it has no labels.csv); make one with `ibllm-cli world make`.");
        std::string line;
        for (int row = 1; std::getline(in, line); ++row) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty() || (row == 1 && line.rfind("file,", 0) == 0)) continue;
            std::vector<std::string> f;
            std::stringstream s(line);
            for (std::string cell; std::getline(s, cell, ',');) f.push_back(cell);
            WorldLabel l;
            if (f.size() == 4) l = {dir + "/" + f[0], f[1], index_of(f[2], true), index_of(f[3], false)};
            if (f.size() != 4 || l.shape < 0 || l.colour < 0)
                throw UsageError(path + " row " + std::to_string(row) + " is not file,modality,shape,colour of the solids world.");
            out.push_back(l);
        }
    }
    return out;
}

}  // namespace ibllm::cli
