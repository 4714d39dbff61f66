using MetaSpec.Specification;
using System.Numerics;

namespace MetaSpec.Optimizers;

/// <summary>
/// Adam (Kingma and Ba, 2015) with PyTorch's semantics (torch.optim.Adam): m ← β₁m + (1−β₁)g,
/// v ← β₂v + (1−β₂)g², θ ← θ − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε). Defaults lr 1e-3, β = (0.9, 0.999), ε = 1e-8.
/// </summary>
public sealed class Adam<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _beta1, _beta2, _eps, _decay;
    private readonly T[] _state; // [m; v]: exp_avg, then exp_avg_sq
    private readonly int _n;

    /// <summary>Adam over <paramref name="parameterCount"/> parameters.</summary>
    public Adam(int parameterCount, double learningRate = SpecDefaults.LearningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be non-negative.");
        (_beta1, _beta2, _eps, _decay, _n) = ( beta1, beta2, epsilon, weightDecay, parameterCount);
        _state = new T[2 * parameterCount];
        LearningRate = learningRate;
    }

    /// <inheritdoc/>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be positive and finite.");
    }

    /// <inheritdoc/>
    public long Steps { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames { get; } = ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    public ReadOnlySpan<T> State => _state;

    /// <inheritdoc/>
    public void Restore(ReadOnlySpan<T> state, long steps)
    {
        Guard.Length(state.Length, _state.Length, nameof(state));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        state.CopyTo(_state);
        Steps = steps;
    }

    /// <inheritdoc/>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradient)
    {
        if (parameters.Length != _n || gradient.Length != _n)
            throw new ArgumentException($"Adam was built for {_n} parameters; got {parameters.Length} parameters and {gradient.Length} gradients.");
        Steps++;
        double bc1 = 1 - Math.Pow(_beta1, Steps), bc2 = 1 - Math.Pow(_beta2, Steps);
        T stepSize = T.CreateTruncating(LearningRate / bc1), sqrtBc2 = T.CreateTruncating(Math.Sqrt(bc2));
        T b1 = T.CreateTruncating(_beta1), b2 = T.CreateTruncating(_beta2), eps = T.CreateTruncating(_eps), decay = T.CreateTruncating(_decay);
        Span<T> m = _state.AsSpan(0, _n), v = _state.AsSpan(_n, _n);
        for (int i = 0; i < _n; i++)
        {
            T g = gradient[i] + decay * parameters[i];
            m[i] = b1 * m[i] + (T.One - b1) * g;
            v[i] = b2 * v[i] + (T.One - b2) * g * g;
            parameters[i] -= stepSize * m[i] / (T.Sqrt(v[i]) / sqrtBc2 + eps);
        }
    }
}
