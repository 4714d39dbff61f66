using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Engine;
using MetaSpec.IO;
using MetaSpec.Layers;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// The state of a meta-learner over a network: its problem, meta-parameters and optimiser, with the
/// user-facing operations (train, adapt, evaluate, save, load). Generated learners delegate to it, so the
/// behaviour is written and tested once, here; it can also be built by hand. Not thread-safe.
/// </summary>
public sealed class NetworkLearner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TrainerOptions _options;
    private TaskWorker<T>? _adaptWorker;   // reused by Adapt; rebuilt for another step count or a larger support set
    private int _adaptSteps = -1, _adaptCapacity;

    /// <summary>
    /// A learner on <paramref name="problem"/>'s network whose θ is PyTorch's default initialisation from
    /// <paramref name="seed"/> (and the inner step's initial meta-parameters: α everywhere for Meta-SGD).
    /// <paramref name="options"/> gives the task batch, clipping and smoothness settings; the seed, thread count and first
    /// iteration are set per <see cref="Train"/> call.
    /// </summary>
    public NetworkLearner(MetaProblem<T> problem, IOptimizer<T> optimizer, TrainerOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        Network = problem.Network ?? throw new ArgumentException("A network learner needs a network problem (built from a Sequential network and a loss).", nameof(problem));
        Problem = problem;
        Optimizer = optimizer;
        Seed = seed;
        _options = options;
        Warnings = options.Warnings;
        MetaParameters = problem.CreateMetaParameters(Network.CreateParameters(seed), seed);
    }

    /// <summary>The network.</summary>
    public Sequential<T> Network { get; }

    /// <summary>The meta-learning problem (network and loss, inner loop, adapted subset, hypergradient method).</summary>
    public MetaProblem<T> Problem { get; }

    /// <summary>The outer optimiser; its state carries over from one <see cref="Train"/> call to the next, and into checkpoints.</summary>
    public IOptimizer<T> Optimizer { get; }

    /// <summary>The seed of the initialisation and of the task stream (restored by <see cref="Load"/>).</summary>
    public int Seed { get; private set; }

    /// <summary>The meta-parameters, live: θ, then Meta-SGD's step sizes.</summary>
    public T[] MetaParameters { get; }

    /// <summary>θ, the meta-learned initialisation.</summary>
    public ReadOnlySpan<T> Parameters => MetaParameters.AsSpan(0, Network.ParameterCount);

    /// <summary>Meta-iterations completed over every <see cref="Train"/> call (restored by <see cref="Load"/>).</summary>
    public long Iterations { get; private set; }

    /// <summary>
    /// L and the α·N·L ≤ c check from the first <see cref="Train"/> call (declared in the options, or estimated at its
    /// first meta-iteration); later calls reuse it rather than estimating again. Null before training.
    /// </summary>
    public SmoothnessReport? Smoothness { get; private set; }

    /// <summary>
    /// Where warnings go (the estimated smoothness L and the α·N·L ≤ c check, evaluation tasks whose adaptation
    /// diverged): standard error unless set (from <see cref="TrainerOptions.Warnings"/>); null silences them.
    /// </summary>
    public TextWriter? Warnings { get; set; }

    /// <summary>The training log (every smoothness line, including a declared L within the bound); none unless set, or the options' log.</summary>
    public TextWriter? Log { get; set; }

    /// <summary>
    /// Runs <paramref name="iterations"/> meta-iterations on <paramref name="tasks"/> with <see cref="MetaTrainer{T}"/>,
    /// continuing from <see cref="Iterations"/>: every task is drawn from a stream keyed by (seed, global iteration, task),
    /// so <c>Train(a); Train(b)</c> equals <c>Train(a + b)</c>, and so does training resumed from a checkpoint. On a
    /// non-finite loss it throws <see cref="MetaTrainingException"/> with the parameters of the last good iteration kept.
    /// </summary>
    public void Train(ITaskDistribution<T> tasks, int iterations, Action<MetaStep>? progress = null, int? threads = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        if (iterations == 0) return;
        var options = _options with
        {
            Seed = Seed, FirstIteration = Iterations, Threads = threads ?? Environment.ProcessorCount, Log = Log ?? _options.Log, Warnings = Warnings,
        };
        // L is a property of the task family: estimated once, on the first call.
        if (Smoothness is not null) options = options with { Smoothness = 0, SmoothnessIterations = 0 };
        using var trainer = new MetaTrainer<T>(Problem, tasks, Optimizer, MetaParameters, options);
        trainer.SmoothnessReported += report => Smoothness = report;
        for (int i = 0; i < iterations; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var step = trainer.Step();
            Iterations++;
            progress?.Invoke(step);
        }
    }

    /// <summary>
    /// Adapts the meta-parameters to one task's support set (<paramref name="steps"/> inner steps; the declared N
    /// when null) and returns the adapted network. The support data is used as given: no resampling.
    /// With 0 steps the result is the starting point of adaptation (θ, its head zeroed for a re-solved head).
    /// Throws <see cref="AdaptationException"/>, naming the step and the loss, when the inner loop diverges.
    /// </summary>
    public AdaptedNetwork<T> Adapt(ReadOnlySpan<T> supportInputs, ReadOnlySpan<T> supportTargets, int? steps = null)
    {
        Problem.Objective.Validate(supportInputs, supportTargets, "support");
        int n = steps ?? Problem.Inner.Steps;
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(steps), n, "The number of adaptation steps cannot be negative.");
        int count = supportInputs.Length / Problem.Objective.InputSize;
        var worker = AdaptWorker(n, count);
        worker.Adapt(MetaParameters, supportInputs, supportTargets);
        for (int j = 0; j < n; j++)
        {
            T loss = worker.SupportLoss(j);
            bool finite = TensorPrimitives.IsFiniteAll(worker.Iterate(j + 1));
            if (T.IsFinite(loss) && finite) continue;
            throw new AdaptationException(string.Create(CultureInfo.InvariantCulture,
                $"Adaptation diverged at inner step {j + 1} of {n}: the support loss before it was {loss}" +
                $"{(finite ? "" : " and the parameters after it are not finite")}. A smaller inner step size (StepSize, now {Problem.Inner.StepSize}) usually helps."),
                j + 1, double.CreateTruncating(loss));
        }
        return new AdaptedNetwork<T>(Network, worker.Iterate(n));
    }

    private TaskWorker<T> AdaptWorker(int steps, int supportCount)
    {
        if (_adaptWorker is null || steps != _adaptSteps || supportCount > _adaptCapacity)
        {
            _adaptCapacity = Math.Max(supportCount, _adaptCapacity);
            _adaptSteps = steps;
            _adaptWorker = Problem.Adapting(steps, resampleSupport: false).CreateWorker(_adaptCapacity, maxQuery: 0);
        }
        return _adaptWorker;
    }

    /// <summary>
    /// Query loss (and accuracy for classifiers) with 95% intervals after 0 … N steps on <paramref name="taskCount"/> tasks;
    /// a warning names how many tasks' adaptation diverged (their non-finite losses make the means non-finite).
    /// </summary>
    public EvaluationResult Evaluate(ITaskDistribution<T> tasks, int taskCount, int? steps = null, int seed = 0)
    {
        var result = MetaEvaluator.Evaluate(Problem, MetaParameters, tasks, taskCount, seed, steps);
        if (result.DivergedTasks > 0)
            Warnings?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: in {result.DivergedTasks} of {taskCount} evaluation tasks adaptation diverged (non-finite query loss), so the means are not finite; a smaller inner step size (StepSize, now {Problem.Inner.StepSize}) usually helps."));
        return result;
    }

    /// <summary>
    /// Writes the meta-parameters, the optimiser's state and learning rate, the iteration count and the seed to a safetensors file,
    /// atomically (PyTorch names; step sizes as <c>step_size.*</c>, optimiser state as <c>optimizer.exp_avg.*</c>, …).
    /// </summary>
    public void Save(string path, string? learnerName = null)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [IterationsKey] = Iterations.ToString(CultureInfo.InvariantCulture),
            [SeedKey] = Seed.ToString(CultureInfo.InvariantCulture),
            [ParametersKey] = Network.ParameterCount.ToString(CultureInfo.InvariantCulture),
            [OptimizerStepsKey] = Optimizer.Steps.ToString(CultureInfo.InvariantCulture),
            [OptimizerStateKey] = string.Join(",", Optimizer.StateNames),
            [LearningRateKey] = Optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        };
        if (learnerName is not null) metadata["learner"] = learnerName;
        var layout = Layout(withOptimizer: true);
        var values = new T[MetaParameters.Length + Optimizer.State.Length + BufferLength];
        MetaParameters.CopyTo(values, 0);
        Optimizer.State.CopyTo(values.AsSpan(MetaParameters.Length));
        int at = MetaParameters.Length + Optimizer.State.Length;
        foreach (var (_, buffer) in Problem.MetaBuffers)
        {
            buffer.CopyTo(values, at);
            at += buffer.Length;
        }
        Checkpoint.Save(path, layout, values, metadata);
    }

    /// <summary>
    /// Replaces the meta-parameters, the optimiser's state and learning rate, <see cref="Iterations"/> and <see cref="Seed"/> with
    /// those saved at <paramref name="path"/> (every tensor checked by name and shape), so training resumes where it stopped.
    /// A checkpoint without optimiser state (parameters only) restarts the optimiser; one without a learning rate (older
    /// files) keeps the optimiser's. Nothing changes if the file is rejected.
    /// </summary>
    public void Load(string path)
    {
        var content = SafeTensors.Load(path);
        var metadata = content.Metadata;
        bool withOptimizer = metadata.ContainsKey(OptimizerStepsKey);
        if (withOptimizer)
        {
            string saved = metadata.GetValueOrDefault(OptimizerStateKey, ""), mine = string.Join(",", Optimizer.StateNames);
            if (saved != mine)
                throw new InvalidDataException(
                    $"'{path}' holds the state of an optimiser with buffers [{saved}], but this learner's optimiser keeps [{mine}].");
        }
        var values = Checkpoint.Read<T>(path, content, Layout(withOptimizer));
        CheckBuffers(path, values.AsSpan(MetaParameters.Length + (withOptimizer ? Optimizer.State.Length : 0)));
        long iterations = ReadNumber(path, metadata, IterationsKey, 0);
        long seed = ReadNumber(path, metadata, SeedKey, Seed);
        long optimizerSteps = withOptimizer ? ReadNumber(path, metadata, OptimizerStepsKey, 0) : 0;
        if (seed is < int.MinValue or > int.MaxValue) throw new InvalidDataException($"'{path}': metadata '{SeedKey}' = {seed} is not a 32-bit seed.");
        double learningRate = Optimizer.LearningRate;
        if (withOptimizer && metadata.TryGetValue(LearningRateKey, out string? rate)
            && !(double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out learningRate) && learningRate > 0 && double.IsFinite(learningRate)))
            throw new InvalidDataException($"'{path}': metadata '{LearningRateKey}' = '{rate}' is not a positive learning rate.");

        values.AsSpan(0, MetaParameters.Length).CopyTo(MetaParameters);
        var state = withOptimizer ? values.AsSpan(MetaParameters.Length, Optimizer.State.Length) : new T[Optimizer.State.Length];
        Optimizer.Restore(state, optimizerSteps);
        Optimizer.LearningRate = learningRate;
        Iterations = iterations;
        Seed = (int)seed;
    }

    private const string IterationsKey = "iterations", SeedKey = "seed", ParametersKey = "parameters";
    private const string OptimizerStepsKey = "optimizer.steps", OptimizerStateKey = "optimizer.state", LearningRateKey = "optimizer.lr";

    /// <summary>
    /// The meta-parameters' tensors, then one tensor per optimiser buffer and meta-parameter tensor (<c>optimizer.exp_avg.hidden1.weight</c>),
    /// then the geometry's fixed buffers (<c>mirror.conv1.weight.projection</c>).
    /// </summary>
    private List<ParameterTensor> Layout(bool withOptimizer)
    {
        var layout = new List<ParameterTensor>(Problem.MetaTensors);
        int m = Problem.MetaParameterCount, at = m;
        if (withOptimizer)
        {
            for (int b = 0; b < Optimizer.StateNames.Count; b++)
                foreach (var t in Problem.MetaTensors)
                    layout.Add(t with { Name = $"optimizer.{Optimizer.StateNames[b]}.{t.Name}", Offset = m + b * m + t.Offset });
            at += Optimizer.State.Length;
        }
        foreach (var (tensor, buffer) in Problem.MetaBuffers)
        {
            layout.Add(tensor with { Offset = at });
            at += buffer.Length;
        }
        return layout;
    }

    private int BufferLength => Problem.MetaBuffers.Sum(b => b.Values.Length);

    /// <summary>
    /// The saved buffers must be the ones this problem's geometry is defined with (they are fixed, not learned): a file made
    /// with other projections would resume a different map.
    /// </summary>
    private void CheckBuffers(string path, ReadOnlySpan<T> saved)
    {
        int at = 0;
        foreach (var (tensor, buffer) in Problem.MetaBuffers)
        {
            if (!saved.Slice(at, buffer.Length).SequenceEqual(buffer))
                throw new InvalidDataException($"'{path}': buffer '{tensor.Name}' differs from this learner's (another projection seed or embedding width?); it cannot resume this learner.");
            at += buffer.Length;
        }
    }

    private static long ReadNumber(string path, IReadOnlyDictionary<string, string> metadata, string key, long missing)
    {
        if (!metadata.TryGetValue(key, out string? text)) return missing;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= (key == SeedKey ? long.MinValue : 0)
            ? value
            : throw new InvalidDataException($"'{path}': metadata '{key}' = '{text}' is not a valid count.");
    }
}
