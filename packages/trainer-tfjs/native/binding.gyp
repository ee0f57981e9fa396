{
  "targets": [
    {
      "target_name": "sweeps_cpu_kernels",
      "sources": ["src/addon.cc", "src/batch-norm.cc", "src/conv.cc", "src/matmul.cc", "src/optimizer.cc"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["-ldnnl", "-lgomp"]
    }
  ]
}
