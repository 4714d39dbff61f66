using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Losses;

/// <summary>
/// L = (1/(B·D)) Σ (y − t)², averaged over every output value as PyTorch's MSELoss does;
/// ∂L/∂y = 2(y − t)/(B·D) and ∇²_y L·ẏ = 2ẏ/(B·D).
/// </summary>
public sealed class MeanSquaredError<T> : ILoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance; the loss has no settings.</summary>
    public static MeanSquaredError<T> Instance { get; } = new();

    /// <inheritdoc/>
    public int TargetsPerSample(int outputs) => outputs;

    /// <inheritdoc/>
    public void ValidateTargets(int batch, int outputs, ReadOnlySpan<T> targets)
    {
        int n = batch * outputs;
        if (targets.Length < n)
            throw new ArgumentException($"Mean squared error needs {n} targets ({batch} samples × {outputs} outputs), got {targets.Length}.", nameof(targets));
        for (int i = 0; i < n; i++)
            if (!T.IsFinite(targets[i]))
                throw new ArgumentException($"Target {i} (sample {i / outputs}) is {targets[i]}; targets must be finite.", nameof(targets));
    }

    /// <inheritdoc/>
    public T Forward(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets, Span<T> outputGradient)
    {
        int n = batch * outputs;
        Span<T> g = outputGradient.Slice(0, n);
        TensorPrimitives.Subtract(output.Slice(0, n), targets.Slice(0, n), g);
        T loss = TensorPrimitives.SumOfSquares<T>(g) / T.CreateTruncating(n);
        TensorPrimitives.Multiply(g, T.CreateTruncating(2.0 / n), g);
        return loss;
    }

    /// <inheritdoc/>
    public T Value(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets)
    {
        int n = batch * outputs;
        T sum = T.Zero;
        for (int i = 0; i < n; i++)
        {
            T d = output[i] - targets[i];
            sum += d * d;
        }
        return sum / T.CreateTruncating(n);
    }

    /// <inheritdoc/>
    public void Tangent(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> targets, Span<T> outputGradientTangent)
    {
        int n = batch * outputs;
        TensorPrimitives.Multiply(outputTangent.Slice(0, n), T.CreateTruncating(2.0 / n), outputGradientTangent.Slice(0, n));
    }
}
