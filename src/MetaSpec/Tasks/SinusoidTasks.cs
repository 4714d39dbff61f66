using System.Numerics;

namespace MetaSpec.Tasks;

/// <summary>
/// Sinusoid regression (Finn, Abbeel, Levine 2017, §5.1): each task is y = A·sin(x − φ) with amplitude
/// A ~ U[0.1, 5] and phase φ ~ U[0, π]; inputs x ~ U[−5, 5]. The support and query sets are independent
/// draws of x from the same task.
/// </summary>
/// <remarks>
/// <para>Descriptor: [A, φ], both rounded to <typeparamref name="T"/> before use, so the descriptor states
/// exactly the function whose values the targets hold: target = <see cref="Evaluate(T, T, T)"/>(A, φ, x).</para>
/// <para>The instance is immutable: several threads may fill tasks at once, each with its own
/// <see cref="Random"/> and <see cref="TaskData{T}"/>. Sampling allocates nothing.</para>
/// </remarks>
public sealed class SinusoidTasks<T> : ITaskDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Smallest amplitude drawn.</summary>
    public const double MinAmplitude = 0.1;

    /// <summary>Largest amplitude drawn.</summary>
    public const double MaxAmplitude = 5.0;

    /// <summary>Smallest phase drawn.</summary>
    public const double MinPhase = 0.0;

    /// <summary>Largest phase drawn (π).</summary>
    public const double MaxPhase = Math.PI;

    /// <summary>Smallest input drawn.</summary>
    public const double MinInput = -5.0;

    /// <summary>Largest input drawn.</summary>
    public const double MaxInput = 5.0;

    /// <summary>Tasks with <paramref name="shots"/> support and <paramref name="shots"/> query points, as in the paper.</summary>
    public SinusoidTasks(int shots) : this(shots, shots)
    {
    }

    /// <summary>Tasks with <paramref name="supportShots"/> support points and <paramref name="queryShots"/> query points.</summary>
    public SinusoidTasks(int supportShots, int queryShots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(supportShots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queryShots, 1);
        SupportShots = supportShots;
        QueryShots = queryShots;
    }

    /// <summary>Support points per task (K).</summary>
    public int SupportShots { get; }

    /// <summary>Query points per task.</summary>
    public int QueryShots { get; }

    /// <inheritdoc/>
    public Shape InputShape => Shape.Vector(1);

    /// <inheritdoc/>
    public int TargetSize => 1;

    /// <inheritdoc/>
    public int SupportCount => SupportShots;

    /// <inheritdoc/>
    public int QueryCount => QueryShots;

    /// <summary>2: amplitude and phase.</summary>
    public int DescriptorLength => 2;

    /// <inheritdoc/>
    public void Sample(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        T amplitude = T.CreateTruncating(Sampling.Uniform(random, MinAmplitude, MaxAmplitude));
        T phase = T.CreateTruncating(Sampling.Uniform(random, MinPhase, MaxPhase));
        task.Descriptor[0] = double.CreateTruncating(amplitude);
        task.Descriptor[1] = double.CreateTruncating(phase);
        Fill(random, amplitude, phase, task.SupportInputs, task.SupportTargets);
        Fill(random, amplitude, phase, task.QueryInputs, task.QueryTargets);
    }

    /// <inheritdoc/>
    public void ResampleSupport(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        Fill(random, T.CreateTruncating(task.Descriptor[0]), T.CreateTruncating(task.Descriptor[1]), task.SupportInputs, task.SupportTargets);
    }

    /// <summary>The task's true function: A·sin(x − φ).</summary>
    public static T Evaluate(T amplitude, T phase, T x) => amplitude * T.Sin(x - phase);

    /// <summary>
    /// The true function of the task described by <paramref name="descriptor"/> ([A, φ], as
    /// <see cref="Sample"/> writes it) at every input, e.g. to plot it beside a model's predictions.
    /// </summary>
    public static void Evaluate(ReadOnlySpan<double> descriptor, ReadOnlySpan<T> inputs, Span<T> outputs)
    {
        Guard.Length(descriptor.Length, 2, nameof(descriptor));
        Guard.Length(outputs.Length, inputs.Length, nameof(outputs));
        T amplitude = T.CreateTruncating(descriptor[0]);
        T phase = T.CreateTruncating(descriptor[1]);
        for (int i = 0; i < inputs.Length; i++) outputs[i] = Evaluate(amplitude, phase, inputs[i]);
    }

    private static void Fill(Random random, T amplitude, T phase, Span<T> inputs, Span<T> targets)
    {
        for (int i = 0; i < inputs.Length; i++)
        {
            T x = T.CreateTruncating(Sampling.Uniform(random, MinInput, MaxInput));
            inputs[i] = x;
            targets[i] = Evaluate(amplitude, phase, x);
        }
    }
}
