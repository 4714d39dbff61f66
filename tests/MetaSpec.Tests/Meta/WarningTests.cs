using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using static MetaSpec.Tests.Meta.TrainerTests;

namespace MetaSpec.Tests.Meta;

/// <summary>Tests that swap the process's standard error: they run alone.</summary>
[CollectionDefinition(nameof(StandardError), DisableParallelization = true)]
public sealed class StandardError;

/// <summary>Warnings reach the user by default (standard error) and can be redirected or silenced.</summary>
[Collection(nameof(StandardError))]
public sealed class WarningTests
{
    private static NetworkLearner<float> Learner(double stepSize = 0.01, double smoothness = 0)
    {
        var net = new Sequential<float>(Shape.Vector(1),
            new("hidden", new DenseLayer<float>(1, 16)), new("act", new ReLULayer<float>(Shape.Vector(16))), new("head", new DenseLayer<float>(16, 1)));
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 3, StepSize = stepSize }, Hypergradient.Unrolled);
        return new NetworkLearner<float>(problem, new Adam<float>(problem.MetaParameterCount), new TrainerOptions { TaskBatch = 2, Smoothness = smoothness }, seed: 1);
    }

    private static string StandardErrorOf(Action action)
    {
        var previous = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            action();
        }
        finally
        {
            Console.SetError(previous);
        }
        return captured.ToString();
    }

    [Fact]
    public void The_estimated_smoothness_and_the_step_size_warning_go_to_standard_error_by_default()
    {
        string error = StandardErrorOf(() => Learner(stepSize: 0.5).Train(new WaveTasks(), 1, threads: 1));
        Assert.Contains("Smoothness L = ", error);
        Assert.Contains("estimated by power iteration", error);
        Assert.Contains("warning: α·N·L = 0.5·3·", error);
    }

    [Fact]
    public void Warnings_can_be_redirected_or_silenced()
    {
        var mine = new StringWriter();
        string error = StandardErrorOf(() =>
        {
            var redirected = Learner(stepSize: 0.5);
            redirected.Warnings = mine;
            redirected.Train(new WaveTasks(), 1, threads: 1);
            var silenced = Learner(stepSize: 0.5);
            silenced.Warnings = null;
            silenced.Train(new WaveTasks(), 1, threads: 1);
        });
        Assert.Equal("", error);
        Assert.Contains("warning: α·N·L", mine.ToString());
    }

    [Fact]
    public void A_declared_smoothness_within_the_bound_is_logged_but_not_a_warning()
    {
        var log = new StringWriter();
        string error = StandardErrorOf(() =>
        {
            var learner = Learner(smoothness: 4);
            learner.Log = log;
            learner.Train(new WaveTasks(), 1, threads: 1);
        });
        Assert.Equal("", error);
        Assert.Contains("Smoothness L = 4 (declared); α·N·L = 0.01·3·4 = 0.12 ≤ c = 1.", log.ToString());
    }

    [Fact]
    public void Evaluation_tasks_whose_adaptation_diverges_are_a_warning()
    {
        var learner = Learner(stepSize: 1e6, smoothness: 1e-9); // declared L: no estimate line, only the evaluation's warning
        var mine = new StringWriter();
        learner.Warnings = mine;
        var result = learner.Evaluate(new WaveTasks { Scale = 1e10 }, taskCount: 4);
        Assert.Equal(4, result.DivergedTasks);
        Assert.False(double.IsFinite(result.Loss[3].Mean));
        Assert.Contains("warning: in 4 of 4 evaluation tasks adaptation diverged", mine.ToString());
    }
}
