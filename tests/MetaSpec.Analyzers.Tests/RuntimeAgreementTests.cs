using System.Reflection;
using MetaSpec.Analyzers.Tests.Support;
using MetaSpec.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>
/// Compile time and run time agree: every spec an analyzer rejects with an error is generated, compiled, loaded
/// and trained, and the runtime throws; the spec without the conflict trains.
/// </summary>
public sealed class RuntimeAgreementTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers =
    [
        new StepSizeAnalyzer(), new AdaptationRegimeAnalyzer(), new AdaptAttributeAnalyzer(), new SettingRangeAnalyzer(),
        new ImplicitWithoutProximalAnalyzer(), new LearnedStepSizesAnalyzer(), new ResampledSupportWithImplicitAnalyzer(),
        new IgnoredSettingAnalyzer(), new ResetWithoutAdaptedLayersAnalyzer(), new GeometryAnalyzer(),
    ];

    /// <summary>(expected error ID, a spec with that one conflict).</summary>
    public static TheoryData<string, string> Conflicts() => new()
    {
        { "MSPEC006", "[MetaModel(1)] public partial class Net { Dense hidden = new(8, Activation.ReLU); [Adapt] Flatten flat = new(); [Adapt] Dense head = new(1); }\n" + Learner() },
        { "MSPEC007", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 0)") },
        { "MSPEC007", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, StepSize = double.NaN)") },
        { "MSPEC007", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = -1)") },
        { "MSPEC007", MamlNet + Learner(outer: "OptimizerKind.Adam, LearningRate = 0") },
        { "MSPEC007", MamlNet + Learner(outer: "OptimizerKind.Adam, TaskBatch = 0") },
        { "MSPEC007", MamlNet + Learner(outer: "OptimizerKind.Adam, ClipGradientNorm = double.PositiveInfinity") },
        { "MSPEC007", MamlNet + Learner(outer: "OptimizerKind.Sgd, Momentum = 1") },
        { "MSPEC007", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, Iterations = 0)") },
        { "MSPEC007", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, Solver = ImplicitSolver.Neumann, NeumannStep = -1)") },
        { "MSPEC007", MamlNet + Learner(method: "Hypergradient(HypergradientKind.HessianFree, FiniteDifferenceStep = 0)") },
        { "MSPEC007", MamlNet + Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies, Directions = 0)") },
        { "MSPEC007", MamlNet + Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies, Smoothing = 0)") },
        { "MSPEC008", MamlNet + Learner(method: "Hypergradient(HypergradientKind.Implicit)") },
        { "MSPEC009", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.Reptile)") },
        { "MSPEC009", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.Implicit)") },
        { "MSPEC009", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.EvolutionStrategies)") },
        { "MSPEC010", AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true, ResetAdaptedToZero = true)") },
        { "MSPEC012", MamlNet + Learner(method: "Hypergradient(HypergradientKind.Reptile, Directions = 0)") },
        { "MSPEC012", MamlNet + Learner(method: "Hypergradient(HypergradientKind.Reptile, FiniteDifferenceStep = -1)") },
        { "MSPEC012", MamlNet + Learner(method: "Hypergradient(HypergradientKind.Unrolled, Solver = ImplicitSolver.Neumann)") },
        { "MSPEC012", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, NeumannStep = 0.5)") },
        { "MSPEC007", MamlNet + Learner(geometry: "Geometry(GeometryKind.MirrorMap, Embedding = 0)") },
        { "MSPEC012", MamlNet + Learner(geometry: "Geometry(GeometryKind.Kronecker, Hidden = 16)") },
        { "MSPEC014", MamlNet + Learner(method: "Hypergradient(HypergradientKind.Reptile)", geometry: "Geometry(GeometryKind.BlockDiagonal)") },
        { "MSPEC014", MamlNet + Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies)", geometry: "Geometry(GeometryKind.Diagonal)") },
        { "MSPEC014", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit)", geometry: "Geometry(GeometryKind.Kronecker)") },
        { "MSPEC015", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", geometry: "Geometry(GeometryKind.MirrorMap)") },
        { "MSPEC016", AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, ResetAdaptedToZero = true)", geometry: "Geometry(GeometryKind.MirrorMap)") },
        { "MSPEC016", AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, ResetAdaptedToZero = true)", geometry: "Geometry(GeometryKind.Kronecker)") },
        { "MSPEC017", MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", geometry: "Geometry(GeometryKind.MirrorMap)") },
    };

    /// <summary>
    /// Errors whose run-time half is not in Validate: Adam never receives a momentum (the generated factory drops it),
    /// and a re-solved model without [Adapt] is MetaProblem's to reject (the engine's side).
    /// </summary>
    [Theory]
    [InlineData("MSPEC012", MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError, Smoothness = 1)] [OuterProblem(OptimizerKind.Adam, Momentum = 0.9)] public partial class Learner;\n")]
    [InlineData("MSPEC013", MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError, Smoothness = 1, Proximal = 1, ResetAdaptedToZero = true)] [OuterProblem(OptimizerKind.Adam)] public partial class Learner;\n")]
    public void Build_time_only_errors_are_reported(string id, string spec) => Assert.Equal([id], Errors(spec));

    [Theory]
    [MemberData(nameof(Conflicts))]
    public void Every_error_the_analyzers_report_is_a_spec_the_runtime_rejects(string id, string spec)
    {
        var errors = Errors(spec);
        Assert.Equal([id], errors);
        var exception = Assert.ThrowsAny<Exception>(() => Train(spec));
        Assert.True(exception is ArgumentException or MetaSpec.Meta.MetaTrainingException, exception.ToString());
    }

    [Theory]
    [InlineData(MamlNet)]
    [InlineData(AnilNet)]
    public void Specs_without_errors_train(string model)
    {
        foreach (string learner in new[]
        {
            Learner(),
            Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.1, Smoothness = 100)"), // MSPEC001 is a warning, not a rejection
            Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 3, Proximal = 1, ResampleSupport = false)", method: "Hypergradient(HypergradientKind.Implicit)"),
            Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.HessianFree)"),
            Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.FirstOrder)"),
            Learner(geometry: "Geometry(GeometryKind.BlockDiagonal)"),
            Learner(method: "Hypergradient(HypergradientKind.FirstOrder)", geometry: "Geometry(GeometryKind.Kronecker)"),
            Learner(method: "Hypergradient(HypergradientKind.HessianFree)", geometry: "Geometry(GeometryKind.MirrorMap, Embedding = 2, Hidden = 4, DenseOutput = true)"),
            Learner(outer: "OptimizerKind.Sgd, Momentum = 0.5", method: "Hypergradient(HypergradientKind.EvolutionStrategies, Directions = 2, Smoothing = 0.1)"),
        })
        {
            Assert.Empty(Errors(model + learner));
            Train(model + learner);
        }
    }

    private static List<string> Errors(string spec)
    {
        var compilation = AnalyzerHarness.Compile(AnalyzerHarness.Usings + spec);
        return Analyzers.SelectMany(a => AnalyzerHarness.Analyze(compilation, a))
            .Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().ToList();
    }

    /// <summary>Generates, compiles and loads the spec, then builds its learner and trains one iteration on a fixed line task.</summary>
    private static void Train(string spec)
    {
        var (output, generatorDiagnostics) = AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(AnalyzerHarness.Usings + spec));
        Assert.Empty(generatorDiagnostics);
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var learnerType = Assembly.Load(stream.ToArray()).GetType("Learner")!;
        var tasks = new TaskPool<float>(Shape.Vector(1), Enumerable.Range(0, 2).Select(t =>
        {
            var task = new TaskData<float>(1, 1, 4, 4);
            for (int i = 0; i < 4; i++)
            {
                task.SupportInputs[i] = task.QueryInputs[i] = i - 2;
                task.SupportTargets[i] = task.QueryTargets[i] = (t + 1) * (i - 2);
            }
            return task;
        }).ToList());
        try
        {
            object learner = Activator.CreateInstance(learnerType, 0)!;
            learnerType.GetMethod("Train")!.Invoke(learner, [tasks, 1, null, 1, CancellationToken.None]);
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException!;
        }
    }
}
