// Shapes and seeded initialisation of the reduced DeepSeek-V3's parameters.
#include "kernels/model/model_parameters.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/common/random_fill.h"

namespace trainsim::kernels::model {

ModelWeights ModelWeights::zeros(const ModelConfig& c) {
  ModelWeights w;
  w.embed.assign(size_t(c.vocab_size) * c.hidden_size, 0);
  for (int l = 0; l < c.num_hidden_layers; ++l) w.layers.push_back(BlockWeights::zeros(c, c.is_moe_layer(l)));
  w.final_norm.assign(c.hidden_size, 0);
  w.head.assign(size_t(c.vocab_size) * c.hidden_size, 0);
  for (int k = 0; k < c.num_nextn_predict_layers; ++k) w.mtp.push_back(MtpWeights::zeros(c));
  return w;
}

ModelWeights init_weights(const ModelConfig& c, unsigned long long seed) {
  ModelWeights w = ModelWeights::zeros(c);
  unsigned long long tensor = 0;
  for_each_parameter(w, w, [&](const std::string&, int fan_in, std::vector<double>& t, std::vector<double>&) {
    ++tensor;
    if (fan_in == kGainVector) {
      t.assign(t.size(), 1.0);
      return;
    }
    std::vector<float> draw(t.size());
    fill_normal(draw, seed * 1000003ull + tensor, float(1 / std::sqrt(double(fan_in))));
    t.assign(draw.begin(), draw.end());
  });
  return w;
}

size_t parameter_count(const ModelWeights& w) {
  size_t n = 0;
  for_each_parameter(
      w, w, [&](const std::string&, int, const std::vector<double>& t, const std::vector<double>&) { n += t.size(); });
  return n;
}

void zero_gradients(ModelWeights& w) {
  for_each_parameter(w, w, [](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
    std::fill(t.begin(), t.end(), 0.0);
  });
}

std::vector<double> packed_parameters(const ModelWeights& w, const ParameterFilter& which) {
  std::vector<double> values;
  for_each_parameter(w, w, [&](const std::string& name, int, const std::vector<double>& t, const std::vector<double>&) {
    if (!which || which(name)) values.insert(values.end(), t.begin(), t.end());
  });
  return values;
}

void unpack_parameters(ModelWeights& w, std::span<const double> values, const ParameterFilter& which) {
  size_t next = 0;
  for_each_parameter(w, w, [&](const std::string& name, int, std::vector<double>& t, std::vector<double>&) {
    if (which && !which(name)) return;
    if (next + t.size() > values.size()) throw std::invalid_argument("unpack_parameters: too few values");
    std::copy(values.begin() + next, values.begin() + next + t.size(), t.begin());
    next += t.size();
  });
  if (next != values.size()) throw std::invalid_argument("unpack_parameters: too many values");
}

void divide_parameters(ModelWeights& w, double divisor) {
  for_each_parameter(w, w, [&](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
    for (double& value : t) value /= divisor;
  });
}

double largest_relative_difference(const ModelWeights& a, const ModelWeights& b) {
  double difference = 0, scale = 0;
  for_each_parameter(a, b, [&](const std::string&, int, const std::vector<double>& x, const std::vector<double>& y) {
    if (x.empty()) return;
    if (x.size() != y.size()) throw std::invalid_argument("largest_relative_difference: tensors differ in shape");
    for (size_t i = 0; i < x.size(); ++i) {
      difference = std::max(difference, std::abs(x[i] - y[i]));
      scale = std::max(scale, std::abs(y[i]));
    }
  });
  return scale > 0 ? difference / scale : difference;
}

}  // namespace trainsim::kernels::model
