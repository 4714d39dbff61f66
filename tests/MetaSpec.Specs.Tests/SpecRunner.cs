extern alias LossGeometryProgram;
extern alias OmniglotProgram;

namespace MetaSpec.Specs.Tests;

/// <summary>A spec's entry point, as the tests call it: arguments, standard output and standard error in, exit code out.</summary>
public delegate int SpecEntryPoint(string[] args, TextWriter output, TextWriter error);

/// <summary>Every spec program, and how the tests run one.</summary>
public static class SpecRunner
{
    /// <summary>Each spec's name, entry point and whether it has --eval-tasks.</summary>
    public static readonly (string Name, SpecEntryPoint Run, bool Evaluates)[] All =
    [
        ("Sinusoid", SinusoidSpec.Program.Run, true),
        ("SinusoidAnil", SinusoidAnilSpec.Program.Run, true),
        ("Omniglot", OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run, true),
        ("FashionMnist", FashionMnistSpec.Program.Run, true),
        ("LinearRegression", LinearRegressionSpec.Program.Run, true),
        ("Quadratic", QuadraticSpec.Program.Run, false),
        ("SharedEmbedding", SharedEmbeddingSpec.Program.Run, true),
        ("LossGeometry", LossGeometryProgram::MetaSpec.Specs.LossGeometrySpec.Program.Run, true),
    ];

    public static SpecEntryPoint Named(string name) => All.Single(s => s.Name == name).Run;

    /// <summary>Runs a spec and returns its exit code, standard output and standard error.</summary>
    public static (int Exit, string Output, string Error) Run(SpecEntryPoint run, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs a spec that must succeed; returns its standard output.</summary>
    public static string RunToSuccess(SpecEntryPoint run, params string[] args)
    {
        var (exit, output, error) = Run(run, args);
        Assert.True(exit == 0, $"exit code {exit}\n--- output ---\n{output}\n--- error ---\n{error}");
        return output;
    }
}
