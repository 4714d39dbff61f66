using static TorchSharp.torch;

namespace MetaSpec.Torch;

/// <summary>The outer optimisers, with the managed engine's (and PyTorch's) semantics.</summary>
public enum TorchOptimizerKind
{
    /// <summary>torch.optim.SGD: g ← g + dθ; b ← μb + g (b = g at the first step); θ ← θ − lr·b.</summary>
    Sgd,

    /// <summary>torch.optim.Adam: θ ← θ − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε).</summary>
    Adam,
}

/// <summary>Outer-loop settings: optimiser, its hyperparameters, task batch and clipping.</summary>
public sealed record TorchOuterSettings
{
    /// <summary>The optimiser.</summary>
    public TorchOptimizerKind Optimizer { get; init; } = TorchOptimizerKind.Adam;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum μ.</summary>
    public double Momentum { get; init; }

    /// <summary>Weight decay d (both optimisers).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Adam's β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam's ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Tasks per meta-batch.</summary>
    public int TaskBatch { get; init; } = 4;

    /// <summary>Clip the meta-gradient to this global norm (clip_grad_norm_); 0 for none.</summary>
    public double ClipGradientNorm { get; init; }

    /// <summary>Throws if a setting cannot work, naming it.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive and finite.");
        if (Momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be non-negative.");
        if (Beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "β₁ must be in [0, 1).");
        if (Beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "β₂ must be in [0, 1).");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "ε must be positive.");
        if (TaskBatch < 1) throw new ArgumentOutOfRangeException(nameof(TaskBatch), TaskBatch, "The task batch must hold at least one task.");
        if (!(ClipGradientNorm >= 0) || double.IsInfinity(ClipGradientNorm)) throw new ArgumentOutOfRangeException(nameof(ClipGradientNorm), ClipGradientNorm, "The clipping norm must be non-negative and finite.");
    }
}

/// <summary>SGD or Adam over a fixed list of parameter tensors, updated in place; state lives outside any dispose scope.</summary>
internal sealed class TorchOptimizer : IDisposable
{
    private readonly TorchOuterSettings _settings;
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _first, _second; // Adam's m and v, or SGD's momentum buffer (first)

    /// <summary>An optimiser over <paramref name="parameters"/>.</summary>
    public TorchOptimizer(TorchOuterSettings settings, IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _parameters = [.. parameters];
        bool adam = settings.Optimizer == TorchOptimizerKind.Adam;
        using (no_grad())
        {
            _first = adam || settings.Momentum > 0 ? [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())] : [];
            _second = adam ? [.. _parameters.Select(p => zeros_like(p).DetachFromDisposeScope())] : [];
        }
    }

    /// <summary>Steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>One update along <paramref name="gradients"/> (one per parameter).</summary>
    public void Step(IReadOnlyList<Tensor> gradients)
    {
        if (gradients.Count != _parameters.Length) throw new ArgumentException($"Expected {_parameters.Length} gradients, got {gradients.Count}.", nameof(gradients));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Steps++;
        var s = _settings;
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor p = _parameters[i], g = gradients[i];
            if (s.WeightDecay != 0) g = g + s.WeightDecay * p;
            if (s.Optimizer == TorchOptimizerKind.Adam)
            {
                double bc1 = 1 - Math.Pow(s.Beta1, Steps), bc2 = 1 - Math.Pow(s.Beta2, Steps);
                _first[i].mul_(s.Beta1).add_(g * (1 - s.Beta1));
                _second[i].mul_(s.Beta2).add_(g * g * (1 - s.Beta2));
                p.sub_(s.LearningRate / bc1 * _first[i] / (_second[i].sqrt() / Math.Sqrt(bc2) + s.Epsilon));
            }
            else
            {
                if (_first.Length > 0)
                {
                    if (Steps == 1) _first[i].copy_(g);
                    else _first[i].mul_(s.Momentum).add_(g);
                    g = _first[i];
                }
                p.sub_(s.LearningRate * g);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _first) t.Dispose();
        foreach (var t in _second) t.Dispose();
    }
}
