using MetaSpec.Specification;
using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Optimizers;

/// <summary>
/// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD): with weight decay d and
/// momentum μ, g ← g + dθ; b ← μb + g (b = g on the first step); θ ← θ − lr·b.
/// Defaults: momentum 0, weight decay 0.
/// </summary>
public sealed class Sgd<T> : IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _momentum, _decay;
    private readonly T[] _buffer; // momentum_buffer (empty without momentum)

    /// <summary>SGD over <paramref name="parameterCount"/> parameters.</summary>
    public Sgd(int parameterCount, double learningRate, double momentum = SpecDefaults.Momentum, double weightDecay = 0)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be non-negative.");
        LearningRate = learningRate;
        _momentum = T.CreateTruncating(momentum);
        _decay = T.CreateTruncating(weightDecay);
        _buffer = new T[momentum > 0 ? parameterCount : 0];
        StateNames = momentum > 0 ? ["momentum_buffer"] : [];
    }

    /// <inheritdoc/>
    public long Steps { get; private set; }

    /// <inheritdoc/>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be positive and finite.");
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> StateNames { get; }

    /// <inheritdoc/>
    public ReadOnlySpan<T> State => _buffer;

    /// <inheritdoc/>
    public void Restore(ReadOnlySpan<T> state, long steps)
    {
        Guard.Length(state.Length, _buffer.Length, nameof(state));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        state.CopyTo(_buffer);
        Steps = steps;
    }

    /// <inheritdoc/>
    public void Step(Span<T> parameters, ReadOnlySpan<T> gradient)
    {
        if (parameters.Length != gradient.Length) throw new ArgumentException($"Parameters ({parameters.Length}) and gradient ({gradient.Length}) differ in length.");
        T lr = T.CreateTruncating(LearningRate);
        for (int i = 0; i < parameters.Length; i++)
        {
            T g = gradient[i] + _decay * parameters[i];
            if (_buffer.Length > 0)
            {
                _buffer[i] = Steps == 0 ? g : _momentum * _buffer[i] + g;
                g = _buffer[i];
            }
            parameters[i] -= lr * g;
        }
        Steps++;
    }
}
