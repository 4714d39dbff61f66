using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Losses;

/// <summary>
/// Softmax cross-entropy over integer class labels (PyTorch's CrossEntropyLoss with mean reduction):
/// L = (1/B) Σ_b [log Σ_j e^(y_bj) − y_b,t_b]. With p = softmax(y):
/// ∂L/∂y = (p − onehot(t))/B and ∇²_y L·ẏ = (p⊙ẏ − p·(p·ẏ))/B.
/// Each sample has one target: its class index stored as a whole number in <typeparamref name="T"/>.
/// </summary>
public sealed class SoftmaxCrossEntropy<T> : ILoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shared instance; the loss has no settings.</summary>
    public static SoftmaxCrossEntropy<T> Instance { get; } = new();

    /// <inheritdoc/>
    public int TargetsPerSample(int outputs) => 1;

    /// <inheritdoc/>
    public void ValidateTargets(int batch, int outputs, ReadOnlySpan<T> targets)
    {
        if (targets.Length < batch)
            throw new ArgumentException($"Cross-entropy needs one label per sample ({batch}), got {targets.Length}.", nameof(targets));
        for (int b = 0; b < batch; b++)
        {
            T t = targets[b];
            if (!T.IsInteger(t) || t < T.Zero || t >= T.CreateTruncating(outputs))
                throw new ArgumentException($"Label of sample {b} is {t}; labels must be whole numbers in [0, {outputs}).", nameof(targets));
        }
    }

    /// <inheritdoc/>
    public T Forward(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets, Span<T> outputGradient)
    {
        T total = T.Zero;
        T invBatch = T.One / T.CreateTruncating(batch);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> y = output.Slice(b * outputs, outputs);
            Span<T> g = outputGradient.Slice(b * outputs, outputs);
            int label = int.CreateTruncating(targets[b]);
            total += LogSumExp(y) - y[label];
            TensorPrimitives.SoftMax(y, g);
            g[label] -= T.One;
            TensorPrimitives.Multiply(g, invBatch, g);
        }
        return total * invBatch;
    }

    /// <inheritdoc/>
    public T Value(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets)
    {
        T total = T.Zero;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> y = output.Slice(b * outputs, outputs);
            total += LogSumExp(y) - y[int.CreateTruncating(targets[b])];
        }
        return total / T.CreateTruncating(batch);
    }

    /// <inheritdoc/>
    public void Tangent(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> targets, Span<T> outputGradientTangent)
    {
        T invBatch = T.One / T.CreateTruncating(batch);
        for (int b = 0; b < batch; b++)
        {
            Span<T> p = outputGradientTangent.Slice(b * outputs, outputs);
            ReadOnlySpan<T> ydot = outputTangent.Slice(b * outputs, outputs);
            TensorPrimitives.SoftMax(output.Slice(b * outputs, outputs), p);
            T pDotY = TensorPrimitives.Dot<T>(p, ydot);
            // p⊙(ẏ − p·ẏ)/B
            for (int j = 0; j < outputs; j++) p[j] = p[j] * (ydot[j] - pDotY) * invBatch;
        }
    }

    /// <summary>log Σ e^(y_j), shifted by the maximum so it never overflows.</summary>
    internal static T LogSumExp(ReadOnlySpan<T> y)
    {
        T max = TensorPrimitives.Max(y);
        T sum = T.Zero;
        for (int j = 0; j < y.Length; j++) sum += T.Exp(y[j] - max);
        return max + T.Log(sum);
    }
}
