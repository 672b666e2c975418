// Every CUDA and cuBLASLt call goes through these: a failure throws with the call, file and line.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define TS_CUDA_CHECK(call)                                                                              \
  do {                                                                                                   \
    cudaError_t ts_status = (call);                                                                      \
    if (ts_status != cudaSuccess)                                                                        \
      throw std::runtime_error(std::string(#call) + " failed at " + __FILE__ + ":" +                     \
                               std::to_string(__LINE__) + ": " + cudaGetErrorString(ts_status));         \
  } while (false)

// After a kernel launch: the launch error now, and (in checks) the execution error after a sync.
#define TS_CUDA_CHECK_LAUNCH() TS_CUDA_CHECK(cudaGetLastError())

#define TS_CUBLAS_CHECK(call)                                                                            \
  do {                                                                                                   \
    cublasStatus_t ts_status = (call);                                                                   \
    if (ts_status != CUBLAS_STATUS_SUCCESS)                                                              \
      throw std::runtime_error(std::string(#call) + " failed at " + __FILE__ + ":" +                     \
                               std::to_string(__LINE__) + ": cuBLAS status " + std::to_string(ts_status)); \
  } while (false)
