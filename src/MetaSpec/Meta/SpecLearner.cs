using System.Numerics;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// What every [MetaLearner] class is: its generated half derives from this class and supplies only what the spec
/// decides (the constants, the inner loop, the method, the loss, the problem, optimiser and trainer settings, and
/// the constructor that builds them); the user API (train, adapt, evaluate, save) is written once, here, over a
/// <see cref="NetworkLearner{T}"/>. The names of these members are reserved in learner classes (MSPEC112).
/// </summary>
public abstract class SpecLearner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly string _name;

    /// <summary>A learner over <paramref name="engine"/>; <paramref name="name"/> is written into its checkpoints.</summary>
    protected SpecLearner(NetworkLearner<T> engine, string name)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Engine = engine;
        _name = name;
    }

    /// <summary>The runtime network, problem and optimiser behind this learner.</summary>
    public NetworkLearner<T> Engine { get; }

    /// <summary>The meta-parameters, live (θ, then the geometry's meta-parameters): writes change the learner.</summary>
    public T[] MetaParameters => Engine.MetaParameters;

    /// <summary>θ, the meta-learned initialisation.</summary>
    public ReadOnlySpan<T> Parameters => Engine.Parameters;

    /// <summary>Meta-iterations completed.</summary>
    public long Iterations => Engine.Iterations;

    /// <summary>
    /// Where warnings go (the estimated smoothness L and the α·N·L ≤ c check, evaluation tasks whose adaptation
    /// diverged): standard error unless set; null silences them.
    /// </summary>
    public TextWriter? Warnings
    {
        get => Engine.Warnings;
        set => Engine.Warnings = value;
    }

    /// <summary>
    /// Meta-trains for <paramref name="iterations"/> meta-batches of the declared task batch, reporting every step to
    /// <paramref name="progress"/>, on <paramref name="threads"/> threads (all cores when null; results do not depend on it).
    /// </summary>
    public void Train(ITaskDistribution<T> tasks, int iterations, Action<MetaStep>? progress = null, int? threads = null,
        CancellationToken cancellation = default) =>
        Engine.Train(tasks, iterations, progress, threads, cancellation);

    /// <summary>Adapts to one task's support set with the declared inner steps (or <paramref name="steps"/>) and returns the adapted model.</summary>
    public AdaptedNetwork<T> Adapt(ReadOnlySpan<T> supportInputs, ReadOnlySpan<T> supportTargets, int? steps = null) =>
        Engine.Adapt(supportInputs, supportTargets, steps);

    /// <summary>Mean query loss (and accuracy for classifiers) with 95% intervals after 0 … N inner steps on <paramref name="taskCount"/> held-out tasks.</summary>
    public EvaluationResult Evaluate(ITaskDistribution<T> tasks, int taskCount, int? steps = null, int seed = 0) =>
        Engine.Evaluate(tasks, taskCount, steps, seed);

    /// <summary>Saves the meta-parameters (and the optimiser's state) to a safetensors file, atomically, under this learner's name.</summary>
    public void Save(string path) => Engine.Save(path, _name);

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> into <paramref name="learner"/> (a new one) and returns it: the
    /// body of each generated <c>Load(path)</c>, which names its own type.
    /// </summary>
    protected static TLearner Load<TLearner>(TLearner learner, string path) where TLearner : SpecLearner<T>
    {
        ArgumentNullException.ThrowIfNull(learner);
        learner.Engine.Load(path);
        return learner;
    }
}
