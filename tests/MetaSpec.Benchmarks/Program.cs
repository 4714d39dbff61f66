using MetaSpec.Benchmarks;

// Each benchmark is one command; add new ones (e.g. "maml") to this switch and to the usage text.
return args.FirstOrDefault() switch
{
    "gemm" => GemmBenchmark.Run(args[1..]),
    "maml" => MamlBenchmark.Run(args[1..]),
    "maml-torch" => TorchMamlBenchmark.Run(args[1..]),
    "anil" => MetaBenchmarks.Anil(args[1..]),
    "memory" => MetaBenchmarks.Memory(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project tests/MetaSpec.Benchmarks -- <command> [options]

        commands:
          gemm [--sizes 64,256,1024] [--trials 10] [--rounds 5]
              SGEMM GFLOP/s of Gemm.Multiply (square, no transpose) on 1 thread and on all cores,
              next to torch.mm measured in the same run when /usr/bin/python3 has torch.
          maml [--seconds 10] [--threads 2] [--only sine-maml2,conv4-maml2-1,...]
              Meta-iterations per second and peak memory of the MAML workloads (sinusoid MAML/FOMAML/ANIL,
              Conv-4 5-way 1-shot MAML/FOMAML with 1 and 5 steps), MetaSpec and reference/maml.py side by side,
              each side in a fresh process.
          maml-torch [--seconds 10] [--threads 2] [--device cpu|cuda|auto] [--only sine-maml2,conv4-maml2-1]
              The torch backend (MetaSpec.Torch, float32) on the maml workloads beside MetaSpec and PyTorch. For a GPU,
              build with the CUDA runtime: dotnet run -c Release -p:MetaSpecTorchRuntime=cuda --project ... -- maml-torch --device cuda
          anil
              The ANIL specialisation (head-only inner loop on cached body features) against the general path.
          memory
              Peak working set of second-order MAML on Conv-4 for N = 1, 5, 10 inner steps.
        """);
    return 2;
}
