using MetaSpec.Specs.SinusoidSpec;
using MetaSpec.Tasks;
using SpecProgram = MetaSpec.Specs.SinusoidTorchSpec.Program;

namespace MetaSpec.Torch.Tests;

/// <summary>
/// specs/SinusoidTorch, called in process with a tiny budget: it runs on either backend and element type, refuses CUDA
/// where there is none (exit 2, before any work), and its torch checkpoint loads into the generated managed learner
/// with the same predictions.
/// </summary>
[Trait("Category", "Integration")] // trains (briefly) through the spec's whole job
public sealed class SinusoidTorchSpecTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"metaspec-sinusoid-torch-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int exit = SpecProgram.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string[] Tiny(string backend, string dtype, string folder, int iterations, params string[] more) =>
        ["--backend", backend, "--device", "cpu", "--dtype", dtype, "--iterations", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1", "--eval-tasks", "10", "--out", Path.Combine(_folder, folder), .. more];

    [Theory]
    [InlineData("torch", "float32")]
    [InlineData("torch", "float64")]
    [InlineData("managed", "float32")]
    [InlineData("managed", "float64")]
    public void Runs_on_either_backend_and_element_type(string backend, string dtype)
    {
        var (exit, output, error) = Run(Tiny(backend, dtype, $"{backend}-{dtype}", 3));
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Contains(backend == "torch" ? "on the torch backend, cpu" : "on the managed engine, CPU", output);
        Assert.Contains($", {dtype}: 1761 parameters, 3 meta-iterations of 25 tasks", output);
        Assert.Contains("it 3  loss ", output);
        Assert.Contains(" 10  ", output); // the K = 10 row of the evaluation
        Assert.True(File.Exists(Path.Combine(_folder, $"{backend}-{dtype}", "sine-maml.safetensors")));
    }

    [Fact]
    public void Cuda_without_the_cuda_runtime_stops_before_any_work_with_exit_2()
    {
        Assert.False(TorchRuntime.CudaAvailable); // this project references the CPU runtime only
        var (exit, output, error) = Run(["--backend", "torch", "--device", "cuda", "--iterations", "3", "--out", Path.Combine(_folder, "cuda")]);
        Assert.Equal(2, exit);
        Assert.Contains("Device 'cuda' was asked for, but CUDA is not available", error);
        Assert.Contains("Reference TorchSharp-cuda-linux instead of libtorch-cpu-linux-x64", error);
        Assert.Empty(output);
        Assert.False(File.Exists(Path.Combine(_folder, "cuda", "sine-maml.safetensors")));
    }

    [Theory]
    [InlineData("--backend", "gpu", "--backend must be one of managed, torch, got 'gpu'.")]
    [InlineData("--dtype", "float16", "--dtype must be one of float32, float64, got 'float16'.")]
    [InlineData("--device", "tpu", "--device must be one of auto, cpu, cuda, got 'tpu'.")]
    public void Bad_choices_are_named_with_exit_2(string option, string value, string message)
    {
        var (exit, _, error) = Run([option, value, "--out", Path.Combine(_folder, "bad")]);
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Cuda_with_the_managed_engine_is_refused_with_exit_2()
    {
        var (exit, _, error) = Run(["--backend", "managed", "--device", "cuda", "--out", Path.Combine(_folder, "managed-cuda")]);
        Assert.Equal(2, exit);
        Assert.Contains("the managed engine runs on the CPU; --device cuda needs --backend torch", error);
    }

    [Fact]
    public void Torch_checkpoint_loads_into_the_managed_learner_with_equal_predictions()
    {
        var (exit, output, error) = Run(Tiny("torch", "float32", "torch", 5));
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        string checkpoint = Path.Combine(_folder, "torch", "sine-maml.safetensors");

        var managed = SineMaml.Load(checkpoint);
        using var torch = SineMaml.CreateTorchLearner<float>(seed: 7, Fixtures.Cpu);
        float[] initial = torch.MetaParameters;
        torch.Load(checkpoint);
        Assert.Equal(torch.MetaParameters, managed.MetaParameters); // the same values, read by either backend's reader
        Assert.NotEqual(initial, managed.MetaParameters);           // and trained: the spec saved what it trained

        var tasks = new SinusoidTasks<float>(10);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(3), task);
        float[] grid = [.. Enumerable.Range(0, 41).Select(i => -5f + 0.25f * i)];
        foreach (int steps in new[] { 0, 1, 5 })
        {
            float[] expected = managed.Adapt(task.SupportInputs, task.SupportTargets, steps).Predict(grid);
            float[] actual = torch.Predict(torch.Adapt(task.SupportInputs, task.SupportTargets, steps), grid);
            double scale = expected.Max(v => Math.Abs(v)), worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= 1e-5 * scale, $"{steps} steps: predictions differ by {worst:E2} (scale {scale:E2})");
        }

        // …and the spec itself continues from it on the managed engine.
        var (exit2, output2, error2) = Run(Tiny("managed", "float32", "managed", 2, "--load", checkpoint));
        Assert.True(exit2 == 0, $"exit {exit2}\n{output2}\n{error2}");
        Assert.Contains($"Loaded: {checkpoint}", output2);
    }
}
