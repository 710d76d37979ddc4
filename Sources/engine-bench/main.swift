// Benchmark entry point; filled in with the engine benchmark.
print("engine-bench")
