// Pass bounds on ||out - ref|| / ||ref|| against the FP64 reference computed from the same (BF16-rounded)
// inputs, per output dtype (docs/kernel-method.md: BF16 operands land between 1e-3 and 1e-2; FP32 far under 1e-3).
#pragma once

namespace trainsim::kernels {

// BF16 outputs: one rounding of the output alone is 2^-9 = 2e-3 relative at worst, ~1e-3 typical; FP32
// accumulation adds little, BF16 intermediates (P in the PV product, dS) up to a few 1e-3.
inline constexpr double kBf16OutputRelL2 = 1e-2;
// FP32 outputs that come from BF16 inputs but carry no BF16 rounding of their own (log-sum-exp, FP32 grads).
inline constexpr double kFp32OutputRelL2 = 1e-4;
// CPU self-consistency: two FP64 computations of the same function (blocked vs naive, absorbed vs not).
inline constexpr double kFp64RelL2 = 1e-12;
// Backward against central finite differences of the FP64 forward (step 1e-5: truncation ~1e-10).
inline constexpr double kFiniteDifferenceRel = 1e-6;

}  // namespace trainsim::kernels
