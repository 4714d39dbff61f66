using MetaSpec.Benchmarks;

// Each benchmark is one command; add new ones (e.g. "maml") to this switch and to the usage text.
return args.FirstOrDefault() switch
{
    "gemm" => GemmBenchmark.Run(args[1..]),
    "maml" => MamlBenchmark.Run(args[1..]),
    "maml-torch" => TorchMamlBenchmark.Run(args[1..]),
    "anil" => MetaBenchmarks.Anil(args[1..]),
    "memory" => MetaBenchmarks.Memory(args[1..]),
    "scaling" => ScalingBenchmark.Run(args[1..]),
    "profile" => ProfileBenchmark.Run(args[1..]),
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
          maml [--seconds 5] [--threads 2] [--rounds 3] [--only sine-maml2,conv4-maml2-1,...]
               [--forms per-task,batched,vmap] [--no-check] [--generated]
              Meta-iterations per second and peak memory of the MAML workloads (sinusoid MAML/FOMAML/ANIL,
              Conv-4 5-way 1-shot MAML/FOMAML with 1 and 5 steps, the Omniglot training step with 32 tasks,
              pooled and strided), MetaSpec and each PyTorch form of reference/maml.py, each in a fresh process,
              for several rounds: the median of the rounds' ratios against the best PyTorch form, and their spread.
              --generated: instead, the generic network against the generated one (fused dense passes) on the
              all-dense workloads (sinusoid MAML N=1 and 5, FOMAML, ANIL), ratio generated / generic per round.
          scaling [--seconds 2] [--rounds 3] [--batches 4,16,32] [--steps 1,5,10] [--only sine-maml2,...]
              MetaSpec it/s on 1 and 2 threads, and Conv-4 second-order MAML time against task batch and steps.
          profile [--batch 4] [--queries 15] [--steps 1] [--strided]
              Where a Conv-4 second-order MAML iteration spends its time, per layer and kernel (1 thread).
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
