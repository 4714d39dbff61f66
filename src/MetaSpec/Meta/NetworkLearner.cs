using System.Globalization;
using System.Numerics;
using MetaSpec.IO;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// The state of a meta-learner over a network: its problem, meta-parameters and optimiser, with the
/// user-facing operations (train, adapt, evaluate, save, load). Generated learners delegate to it, so the
/// behaviour is written and tested once, here; it can also be built by hand.
/// </summary>
public sealed class NetworkLearner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TrainerOptions _options;

    /// <summary>
    /// A learner whose θ is the network's PyTorch-style initialisation from <paramref name="seed"/> (and α
    /// everywhere for Meta-SGD). <paramref name="options"/> gives the task batch and clipping; its seed and
    /// thread count are set per <see cref="Train"/> call.
    /// </summary>
    public NetworkLearner(Sequential<T> network, MetaProblem<T> problem, IOptimizer<T> optimizer, TrainerOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        if (problem.Objective is not NetworkObjective<T> objective || objective.Network != network)
            throw new ArgumentException("The problem's objective must be the loss of this network.", nameof(problem));
        Network = network;
        Problem = problem;
        Optimizer = optimizer;
        Seed = seed;
        _options = options;
        MetaParameters = problem.CreateMetaParameters(network.CreateParameters(seed));
    }

    /// <summary>The network.</summary>
    public Sequential<T> Network { get; }

    /// <summary>The meta-learning problem (loss, inner loop, adapted subset, hypergradient method).</summary>
    public MetaProblem<T> Problem { get; }

    /// <summary>The outer optimiser; its state carries over from one <see cref="Train"/> call to the next.</summary>
    public IOptimizer<T> Optimizer { get; }

    /// <summary>The seed of the initialisation and of the first training run's task stream.</summary>
    public int Seed { get; }

    /// <summary>The meta-parameters, live: θ, then Meta-SGD's step sizes.</summary>
    public T[] MetaParameters { get; }

    /// <summary>θ, the meta-learned initialisation.</summary>
    public ReadOnlySpan<T> Parameters => MetaParameters.AsSpan(0, Network.ParameterCount);

    /// <summary>Meta-iterations completed over every <see cref="Train"/> call.</summary>
    public long Iterations { get; private set; }

    /// <summary>
    /// L and the α·N·L ≤ c check from the first <see cref="Train"/> call (declared in the options, or estimated at its
    /// first meta-iteration); later calls reuse it rather than estimating again. Null before training.
    /// </summary>
    public SmoothnessReport? Smoothness { get; private set; }

    /// <summary>The training log (the smoothness line and its warning); the options' log when null.</summary>
    public TextWriter? Log { get; set; }

    /// <summary>
    /// Runs <paramref name="iterations"/> meta-iterations on <paramref name="tasks"/> with <see cref="MetaTrainer{T}"/>.
    /// The first call draws tasks from <see cref="Seed"/>, so it equals a hand-built trainer with that seed; a later
    /// call continues the optimiser but draws from a seed mixed with <see cref="Iterations"/> (not the same stream as
    /// one longer call). On a non-finite loss it throws <see cref="MetaTrainingException"/> with the parameters of the
    /// last good iteration kept.
    /// </summary>
    public void Train(ITaskDistribution<T> tasks, int iterations, Action<MetaStep>? progress = null, int? threads = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        if (iterations == 0) return;
        int seed = Iterations == 0 ? Seed : unchecked((int)((uint)Seed ^ (uint)(Iterations * 2654435761L)));
        var options = _options with { Seed = seed, Threads = threads ?? Environment.ProcessorCount, Log = Log ?? _options.Log };
        // L is a property of the task family: estimated once, on the first call.
        if (Smoothness is not null) options = options with { Smoothness = 0, SmoothnessIterations = 0 };
        using var trainer = new MetaTrainer<T>(Problem, tasks, Optimizer, MetaParameters, options);
        trainer.SmoothnessReported += report => Smoothness = report;
        for (int i = 0; i < iterations; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var step = trainer.Step();
            progress?.Invoke(step with { Iteration = Iterations });
            Iterations++;
        }
    }

    /// <summary>
    /// Adapts the meta-parameters to one task's support set (<paramref name="steps"/> inner steps; the declared N
    /// when null) and returns the adapted network. The support data is used as given: no resampling.
    /// With 0 steps the result is the starting point of adaptation (θ, its head zeroed for a re-solved head).
    /// </summary>
    public AdaptedNetwork<T> Adapt(ReadOnlySpan<T> supportInputs, ReadOnlySpan<T> supportTargets, int? steps = null)
    {
        var objective = Problem.Objective;
        objective.Validate(supportInputs, supportTargets, "support");
        int n = steps ?? Problem.Inner.Steps;
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(steps), n, "The number of adaptation steps cannot be negative.");
        int count = supportInputs.Length / objective.InputSize;
        var inner = Problem.Inner with { ResampleSupport = false, Steps = Math.Max(n, 1) };
        var adapting = new MetaProblem<T>(objective, inner, Problem.Method, Array.ConvertAll(Problem.Mask, m => m != T.Zero));
        // The worker scores a query set too; one zero sample (a valid target for both losses) stands in for it.
        var task = new TaskData<T>(objective.InputSize, objective.TargetSize, count, 1);
        supportInputs.CopyTo(task.SupportInputs);
        supportTargets.CopyTo(task.SupportTargets);
        var worker = adapting.CreateWorker(count, 1);
        worker.Adapt(MetaParameters, task);
        return new AdaptedNetwork<T>(Network, worker.Iterate(n));
    }

    /// <summary>Query loss (and accuracy for classifiers) with 95% intervals after 0 … N steps on <paramref name="taskCount"/> tasks.</summary>
    public EvaluationResult Evaluate(ITaskDistribution<T> tasks, int taskCount, int? steps = null, int seed = 0) =>
        MetaEvaluator.Evaluate(Problem, MetaParameters, tasks, taskCount, seed, steps);

    /// <summary>Writes the meta-parameters to a safetensors file, atomically (PyTorch names; step sizes as <c>step_size.*</c>).</summary>
    public void Save(string path, string? learnerName = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["iterations"] = Iterations.ToString(CultureInfo.InvariantCulture),
        };
        if (learnerName is not null) metadata["learner"] = learnerName;
        Checkpoint.Save(path, Problem, MetaParameters, metadata);
    }

    /// <summary>Replaces the meta-parameters with those saved at <paramref name="path"/> (every tensor checked by name and shape).</summary>
    public void Load(string path) => Checkpoint.Load(path, Problem).CopyTo(MetaParameters, 0);
}
