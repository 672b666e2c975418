// Sliding-window causal attention (Mistral, Gemma, GPT-OSS): query i attends to the last min(i + 1, w) keys
// instead of all i + 1. The attended (query, key) pairs of one sequence set the attention core's FLOPs.
#pragma once
#include "models/model_config.h"

namespace trainsim::models {

// Pairs of one causal sequence of `sequence_length` tokens under a window of `window` tokens (0: none):
// sum over i < s of min(i + 1, w) = s(s + 1)/2 for w >= s, else w(w + 1)/2 + (s - w) w.
double attended_pairs(double sequence_length, double window);

// The mean over the model's layers: sliding_window_layers of them windowed (GPT-OSS alternates sliding and
// full layers, layer_types), the rest full causal.
double mean_attended_pairs(const ModelConfig& model, double sequence_length);

// The one window whose pairs equal that mean, for the op catalog's single attention op per layer kind (the
// kernel shape): w = (s + 1/2) - sqrt((s + 1/2)^2 - 2 P), solving w (w + 1) / 2 + (s - w) w = P; 0 when every
// layer attends in full. Layers that alternate (GPT-OSS) are priced as if each had this window: their FLOPs
// are exact up to its rounding to whole tokens, their kernels' tile counts approximate.
double effective_window(const ModelConfig& model, double sequence_length);

}  // namespace trainsim::models
