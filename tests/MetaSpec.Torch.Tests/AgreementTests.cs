using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using Xunit.Abstractions;
using static MetaSpec.Torch.Tests.Fixtures;

namespace MetaSpec.Torch.Tests;

/// <summary>
/// In float64 the torch backend's meta-gradients (autograd, tasks batched in one graph) equal the managed engine's
/// (hand-written recursion, task by task) to 1e-10 relative, method by method, on the sinusoid MLP and a Conv-BN net.
/// </summary>
public class AgreementTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-10;

    public static TheoryData<string, string> Cases => new()
    {
        { "sine", "maml2-n1" }, { "sine", "maml2-n5" }, { "sine", "fomaml" }, { "sine", "anil" }, { "sine", "imaml-cg" },
        { "convbn", "maml2-n1" }, { "convbn-grouped", "maml2-n1" }, { "convbn", "maml2-n5" }, { "convbn", "fomaml" }, { "convbn", "anil" }, { "convbn", "imaml-cg" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Meta_gradient_equals_the_managed_engine(string net, string method)
    {
        bool sine = net == "sine";
        Sequential<double> network = sine ? SineMlp<double>() : ConvBn();
        ILoss<double> loss = sine ? MeanSquaredError<double>.Instance : SoftmaxCrossEntropy<double>.Instance;
        double alpha = sine ? 0.01 : 0.1;
        var (inner, hypergradient, adapted) = method switch
        {
            "maml2-n1" => (new InnerLoop { Steps = 1, StepSize = alpha }, Hypergradient.Unrolled, Array.Empty<string>()),
            "maml2-n5" => (new InnerLoop { Steps = 5, StepSize = alpha }, Hypergradient.Unrolled, []),
            "fomaml" => (new InnerLoop { Steps = 3, StepSize = alpha }, Hypergradient.FirstOrder, []),
            "anil" => (new InnerLoop { Steps = 3, StepSize = alpha }, Hypergradient.Unrolled, ["head"]),
            "imaml-cg" => (new InnerLoop { Steps = 4, StepSize = alpha, Proximal = 2 },
                new Hypergradient { Kind = HypergradientKind.Implicit, Solver = ImplicitSolver.ConjugateGradient, Iterations = 5 }, []),
            _ => throw new ArgumentException(method),
        };
        var problem = MetaProblem<double>.ForNetwork(network, loss, inner, hypergradient, adapted);
        var tasks = sine ? SineTasks(3, 11) : ImageTasks(network.InputShape, 3, 3, 11);
        var convolution = net == "convbn-grouped" ? TorchConvolution.Grouped : TorchConvolution.PerTask;
        double relative = Compare(problem, tasks, seed: 5, convolution);
        output.WriteLine($"{net} {method}: max relative difference {relative:E2}");
        Assert.True(relative <= Tolerance, $"{net} {method}: relative difference {relative:E3} > {Tolerance:E0}");
    }

    /// <summary>The rest of what the backend computes, on the net where it matters most.</summary>
    public static TheoryData<string> OtherCases =>
    [
        "metasgd", "reptile", "maml2-proximal", "imaml-neumann", "imaml-anil", "itd-reset", "aid-reset", "mixed-maml2", "mixed-imaml",
    ];

    [Theory]
    [MemberData(nameof(OtherCases))]
    public void Other_methods_equal_the_managed_engine(string method)
    {
        var sine = SineMlp<double>();
        var mse = MeanSquaredError<double>.Instance;
        var implicitCg = new Hypergradient { Kind = HypergradientKind.Implicit, Iterations = 4 };
        var problem = method switch
        {
            "metasgd" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 2, StepSize = 0.02, LearnStepSizes = true }, Hypergradient.Unrolled),
            "reptile" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 4, StepSize = 0.02 }, Hypergradient.Reptile),
            "maml2-proximal" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 3, StepSize = 0.02, Proximal = 0.5 }, Hypergradient.Unrolled),
            "imaml-neumann" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 3, StepSize = 0.02, Proximal = 4 },
                implicitCg with { Solver = ImplicitSolver.Neumann, Iterations = 6, NeumannStep = 0.1 }),
            // Implicit with a shared body: the mixed term ∂(∇_φL_S·w)/∂θ_body.
            "imaml-anil" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 3, StepSize = 0.05, Proximal = 1 }, implicitCg, "head"),
            // A head re-solved from zero on a shared embedding: ITD (unrolled) and AID (implicit).
            "itd-reset" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 3, StepSize = 0.05, Proximal = 0.1, ResetAdaptedToZero = true }, Hypergradient.Unrolled, "head"),
            "aid-reset" => MetaProblem<double>.ForNetwork(sine, mse, new InnerLoop { Steps = 3, StepSize = 0.05, Proximal = 0.5, ResetAdaptedToZero = true }, implicitCg, "head"),
            "mixed-maml2" => MetaProblem<double>.ForNetwork(Mixed(), SoftmaxCrossEntropy<double>.Instance, new InnerLoop { Steps = 2, StepSize = 0.1 }, Hypergradient.Unrolled),
            "mixed-imaml" => MetaProblem<double>.ForNetwork(Mixed(), SoftmaxCrossEntropy<double>.Instance, new InnerLoop { Steps = 2, StepSize = 0.1, Proximal = 1 }, implicitCg, "hidden", "head"),
            _ => throw new ArgumentException(method),
        };
        var network = problem.Network!;
        var tasks = network == sine ? SineTasks(3, 12) : ImageTasks(network.InputShape, 4, 3, 12);
        double relative = Compare(problem, tasks, seed: 6);
        output.WriteLine($"{method}: max relative difference {relative:E2}");
        Assert.True(relative <= Tolerance, $"{method}: relative difference {relative:E3} > {Tolerance:E0}");
    }

    private static double Compare(MetaProblem<double> problem, IReadOnlyList<TaskData<double>> tasks, int seed,
        TorchConvolution convolution = TorchConvolution.Auto)
    {
        var network = problem.Network!;
        var meta = problem.CreateMetaParameters(network.CreateParameters(seed));
        var (expected, expectedLoss) = ManagedMetaGradient(problem, meta, tasks);
        using var learner = TorchFor(problem, meta, convolution: convolution);
        var actual = new double[problem.MetaParameterCount];
        double loss = learner.MetaGradient(tasks, actual);
        Assert.Equal(expectedLoss, loss, 1e-12);
        return RelativeDifference(expected, actual);
    }
}
