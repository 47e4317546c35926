#pragma once
// A solids world's labels.csv (file,modality,shape,colour), read for the commands that score or
// index a world folder (world eval, cache build).
#include <string>
#include <vector>

namespace ibllm::cli {

struct WorldLabel {
    std::string path, modality;  // path: DIR/file
    int shape = 0, colour = 0;   // indices into world_shape_name / world_colour_name
    int cls() const;             // shape * 6 + colour
};

// Every row of DIR/labels.csv for each DIR of the comma-separated `dirs`, in order. Throws
// UsageError naming the folder or the row when one is not a solids-world manifest.
std::vector<WorldLabel> read_world_labels(const std::string& dirs);

}  // namespace ibllm::cli
