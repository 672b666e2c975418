// The layer check of the reduced model's CUDA back-end against its CPU back-end (layer_check.h), on the GPU machine:
//   model_cuda_check [--quick] [REPORT.md] [CONFIG.json]
// For BF16 and then FP8 GEMMs: every linear shape, the attention core, MLA, the dense MLP, the MoE layer and the whole
// model, each on the same inputs through both back-ends, its error against its bound. Prints the tables and writes
// them to REPORT.md (default model-layers.md); exits 0 only when every row passes, 77 without a CUDA device.
// CONFIG defaults to configs/reduced-deepseek-v3-gpu.json (the attention kernels' head dims). --quick: one
// sequence length (48); otherwise 48 and 200 (tiles of 64 queries filled, and not, several times).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/common/device_buffer.cuh"
#include "kernels/common/driver_args.h"
#include "kernels/model/cuda_backend.h"
#include "kernels/model/layer_check.h"
#include "kernels/model/model_config.h"

using namespace trainsim::kernels;
using namespace trainsim::kernels::model;

int main(int argc, char** argv) {
  return driver_main(argc, argv, "model_cuda_check", [](const DriverArgs& args) {
    if (!has_cuda_device()) {
      std::printf("SKIP: no CUDA device\n");
      return kSkipExitCode;
    }
    const std::string report_path = args.at(0, "model-layers.md");
    const ModelConfig c = load_model_config(args.at(1, "kernels/model/configs/reduced-deepseek-v3-gpu.json"));
    const std::unique_ptr<ComputeBackend> cuda = make_cuda_backend();
    std::string report = "# The reduced model's CUDA back-end against its CPU back-end, layer by layer\n\n"
                         "Written by kernels/model/model_cuda_check (kernels/model/NOTES.md, \"The CUDA back-end\").\n";
    int failures = 0;
    std::vector<int> lengths = {48};
    if (!args.quick) lengths.push_back(200);
    for (GemmPrecision precision : {GemmPrecision::kBF16, GemmPrecision::kFP8}) {
      for (int length : lengths) {
        LayerCheckOptions o;
        o.precision = precision;
        o.length = length;
        const std::string title = "GEMMs at " + std::string(to_string(precision)) + ", 2 sequences of " +
                                  std::to_string(length) + " and " + std::to_string(length - length / 3) + " tokens";
        std::string table;
        try {
          const std::vector<LayerCheckRow> rows = check_layers(c, cpu_backend(), *cuda, o);
          for (const LayerCheckRow& r : rows) failures += !r.passed();
          table = layer_check_table(rows);
        } catch (const std::exception& e) {  // a kernel that refuses a shape or fails: the other precisions go on
          ++failures;
          table = std::string("error: ") + e.what() + "\n";
        }
        std::printf("## %s\n%s\n", title.c_str(), table.c_str());
        report += "\n## " + title + "\n\n" + table;
      }
    }
    std::ofstream(report_path) << report;
    std::printf("%s: %d row(s) failed\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
  });
}
