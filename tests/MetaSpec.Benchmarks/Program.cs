using MetaSpec.Benchmarks;

// Each benchmark is one command; add new ones (e.g. "maml") to this switch and to the usage text.
return args.FirstOrDefault() switch
{
    "gemm" => GemmBenchmark.Run(args[1..]),
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
        """);
    return 2;
}
