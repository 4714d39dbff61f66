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
        { "convbn", "maml2-n1" }, { "convbn", "maml2-n5" }, { "convbn", "fomaml" }, { "convbn", "anil" }, { "convbn", "imaml-cg" },
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
        double relative = Compare(problem, tasks, seed: 5);
        output.WriteLine($"{net} {method}: max relative difference {relative:E2}");
        Assert.True(relative <= Tolerance, $"{net} {method}: relative difference {relative:E3} > {Tolerance:E0}");
    }

    private static double Compare(MetaProblem<double> problem, IReadOnlyList<TaskData<double>> tasks, int seed)
    {
        var network = ((NetworkObjective<double>)problem.Objective).Network;
        var meta = problem.CreateMetaParameters(network.CreateParameters(seed));
        var (expected, expectedLoss) = ManagedMetaGradient(problem, meta, tasks);
        using var learner = TorchFor(problem, meta);
        var actual = new double[problem.MetaParameterCount];
        double loss = learner.MetaGradient(tasks, actual);
        Assert.Equal(expectedLoss, loss, 1e-12);
        return RelativeDifference(expected, actual);
    }
}
